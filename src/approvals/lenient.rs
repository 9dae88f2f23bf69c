//! Forgiving deserializers for fields the API may send as absent, `null` or in a looser type
//! than documented (a count sent as `2.0`, a date that is not RFC 3339). A field that cannot be
//! read becomes its default; it never fails the whole job.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `null` (or absence, with `#[serde(default)]`) becomes `T::default()`.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A non-negative whole number sent as an integer or an integral float; anything else is `None`.
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64().map(Some).unwrap_or_else(|| {
                n.as_f64().filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64)
            }),
            _ => None,
        })
        .and_then(|n| u32::try_from(n).ok()))
}

/// A number, or `0.0` when absent, `null` or not a number.
pub(crate) fn f64_or_zero<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| v.as_f64()).unwrap_or(0.0))
}

/// A number, or `None` when absent, `null` or not a number.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| v.as_f64()))
}

/// An ISO 8601 / RFC 3339 date (`2023-02-03T11:19:41.579Z`), or `None` when absent, `null` or
/// unreadable.
pub(crate) fn opt_rfc3339<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(Value::as_str).and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok()))
}

/// A string, or `None` when absent, `null` or not a string.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    })
}

/// A string that may be `null` on purpose: `Some(None)` for `null` (or an empty string),
/// `Some(Some(_))` for a string; `None`, as absence with `#[serde(default)]`, for another type.
pub(crate) fn nullable_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => Some(None),
        Value::String(s) if s.is_empty() => Some(None),
        Value::String(s) => Some(Some(s)),
        _ => None,
    })
}
