//! From an image file to a small JPEG preview. Pure: bytes in, bytes out.
//!
//! Only PNG, JPEG and WebP are read (what Scenario's image models make). The decoder is held to
//! [`MAX_DECODED_BYTES`], so an image that claims to be huge is refused before it is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder};

use super::NotShown;

/// The longest side of a preview, in pixels: Discord shows embed images at most about this wide.
pub const PREVIEW_SIDE: u32 = 1024;
/// Memory the decoder may take for one image (a 4096 × 4096 RGBA image is 64 MiB).
pub const MAX_DECODED_BYTES: u64 = 80 * 1024 * 1024;
/// Widest and tallest image read.
const MAX_SIDE: u32 = 16_384;

/// Sizes and JPEG qualities tried in turn until a preview fits the room it has: the first is
/// what a card gets when nothing is tight.
const STEPS: &[(u32, u8)] = &[(PREVIEW_SIDE, 82), (PREVIEW_SIDE, 65), (768, 60), (512, 55), (384, 45)];

/// A JPEG preview of `file` of at most `room` bytes, longest side at most [`PREVIEW_SIDE`].
pub fn preview(file: &[u8], room: usize) -> Result<Vec<u8>, NotShown> {
    let format = image::guess_format(file).map_err(|_| NotShown::NotAnImage)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(NotShown::UnsupportedFormat);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let mut reader = ImageReader::with_format(Cursor::new(file), format);
    reader.limits(limits);
    let image = reader.decode().map_err(|err| match err {
        ImageError::Limits(_) => NotShown::TooLarge,
        _ => NotShown::Unreadable,
    })?;
    for &(side, quality) in STEPS {
        let jpeg = encode(&image, side, quality)?;
        if jpeg.len() <= room {
            return Ok(jpeg);
        }
    }
    Err(NotShown::OverBudget)
}

fn encode(image: &DynamicImage, side: u32, quality: u8) -> Result<Vec<u8>, NotShown> {
    // `thumbnail` keeps the aspect ratio and averages pixels, fast enough for one image at a
    // time; JPEG has no alpha, so transparency is dropped.
    let rgb = if image.width().max(image.height()) > side {
        image.thumbnail(side, side).into_rgb8()
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb).map_err(|_| NotShown::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use image::{ImageEncoder, RgbImage, codecs::png::PngEncoder};

    use super::*;

    fn noisy(width: u32, height: u32) -> RgbImage {
        let mut rng = fastrand::Rng::with_seed(7);
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8 ^ rng.u8(..32), (y % 256) as u8, rng.u8(..)])
        })
    }

    fn png(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(image, image.width(), image.height(), image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    fn size_of(jpeg: &[u8]) -> (u32, u32) {
        let decoded = image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap();
        (decoded.width(), decoded.height())
    }

    #[test]
    fn a_large_png_becomes_a_jpeg_whose_longest_side_is_the_preview_side() {
        let preview = preview(&png(&noisy(2000, 1000)), usize::MAX).unwrap();
        assert_eq!(image::guess_format(&preview).unwrap(), ImageFormat::Jpeg);
        assert_eq!(size_of(&preview), (1024, 512));
    }

    #[test]
    fn a_small_image_keeps_its_size() {
        let preview = preview(&png(&noisy(300, 200)), usize::MAX).unwrap();
        assert_eq!(size_of(&preview), (300, 200));
    }

    #[test]
    fn jpeg_and_webp_are_read_too() {
        let image = DynamicImage::ImageRgb8(noisy(640, 480));
        for format in [ImageFormat::Jpeg, ImageFormat::WebP] {
            let mut file = Cursor::new(Vec::new());
            image.write_to(&mut file, format).unwrap();
            let preview = preview(file.get_ref(), usize::MAX).unwrap();
            assert_eq!(size_of(&preview), (640, 480), "{format:?}");
        }
    }

    #[test]
    fn a_tight_room_gives_a_smaller_preview_and_too_little_room_none() {
        let file = png(&noisy(1600, 1600));
        let roomy = preview(&file, usize::MAX).unwrap();
        let tight = preview(&file, roomy.len() / 3).unwrap();
        assert!(tight.len() <= roomy.len() / 3);
        assert!(size_of(&tight).0 < 1024);
        assert_eq!(preview(&file, 100), Err(NotShown::OverBudget));
    }

    #[test]
    fn text_video_and_broken_images_are_named_not_shown() {
        assert_eq!(preview(b"just some words", usize::MAX), Err(NotShown::NotAnImage));
        let mp4 = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom";
        assert_eq!(preview(mp4, usize::MAX), Err(NotShown::NotAnImage));
        let gif = b"GIF89a\x01\0\x01\0\0\0\0;";
        assert_eq!(preview(gif, usize::MAX), Err(NotShown::UnsupportedFormat));
        let mut cut = png(&noisy(64, 64));
        cut.truncate(cut.len() / 2);
        assert_eq!(preview(&cut, usize::MAX), Err(NotShown::Unreadable));
    }

    #[test]
    fn an_image_claiming_enormous_dimensions_is_refused_before_it_is_decoded() {
        // A valid PNG header that claims 60000 × 60000 pixels, with no data behind it.
        let mut header = png(&noisy(1, 1));
        header[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        // The header's checksum now fails; fix it so only the size is at fault.
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(preview(&header, usize::MAX), Err(NotShown::TooLarge));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
