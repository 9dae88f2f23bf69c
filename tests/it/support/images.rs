//! Real image files for the fake CDN: PNG, JPEG and WebP, made by the test.

use std::io::Cursor;
use std::sync::Arc;

use image::{DynamicImage, ImageFormat, RgbImage};

/// A picture of `width` × `height`: a gradient with noise, so encoders cannot shrink it to
/// nothing (a PNG of it is close to 3 bytes a pixel).
pub fn picture(width: u32, height: u32, seed: u64) -> DynamicImage {
    let mut rng = fastrand::Rng::with_seed(seed);
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8 ^ rng.u8(..), (y * 255 / height) as u8 ^ rng.u8(..), rng.u8(..)])
    }))
}

/// `image` encoded as `format`.
pub fn encoded(image: &DynamicImage, format: ImageFormat) -> Arc<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("the image encodes");
    Arc::new(out.into_inner())
}

/// A PNG of about `mib` MiB (noise compresses to about 3 bytes a pixel), 4:3.
pub fn png_of_mib(mib: f64, seed: u64) -> Arc<Vec<u8>> {
    let pixels = mib * 1024.0 * 1024.0 / 3.0;
    let width = (pixels * 4.0 / 3.0).sqrt() as u32;
    encoded(&picture(width, width * 3 / 4, seed), ImageFormat::Png)
}

/// Width and height of an image file.
pub fn dimensions(file: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(file).expect("an image");
    (image.width(), image.height())
}
