//! The signing time as SigV4 writes it: `YYYYMMDD'T'HHMMSS'Z'` in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

use super::error::SigningError;

/// A formatted signing time; the first 8 bytes are the credential-scope date.
#[derive(Clone, Copy)]
pub(crate) struct AmzDate {
    text: arrayvec::ArrayString<16>,
}

impl AmzDate {
    /// Formats `time`, truncated to whole seconds. Fails outside the years 0 to 9999.
    ///
    /// The last second formatted on a thread is remembered: requests signed within the same
    /// second (the usual case under load) reuse its text.
    pub(crate) fn new(time: SystemTime) -> Result<Self, SigningError> {
        thread_local! {
            static LAST: std::cell::Cell<Option<(i64, AmzDate)>> = const { std::cell::Cell::new(None) };
        }
        let seconds = unix_seconds(time).ok_or(SigningError::InvalidTime)?;
        if let Some((last, date)) = LAST.get()
            && last == seconds
        {
            return Ok(date);
        }
        let date = Self::format(seconds)?;
        LAST.set(Some((seconds, date)));
        Ok(date)
    }

    fn format(seconds: i64) -> Result<Self, SigningError> {
        let utc = time::OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| SigningError::InvalidTime)?;
        let year = u32::try_from(utc.year()).map_err(|_| SigningError::InvalidTime)?;
        if year > 9999 {
            return Err(SigningError::InvalidTime);
        }
        let month = u32::from(u8::from(utc.month()));
        let day = u32::from(utc.day());
        let hour = u32::from(utc.hour());
        let minute = u32::from(utc.minute());
        let second = u32::from(utc.second());
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            digit(month / 10),
            digit(month),
            digit(day / 10),
            digit(day),
            b'T',
            digit(hour / 10),
            digit(hour),
            digit(minute / 10),
            digit(minute),
            digit(second / 10),
            digit(second),
            b'Z',
        ];
        // ASCII digits, `T` and `Z`: always valid, checked once here.
        let text = arrayvec::ArrayString::from_byte_string(&text)
            .map_err(|_| SigningError::InvalidTime)?;
        Ok(Self { text })
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`, the `X-Amz-Date` value.
    pub(crate) fn date_time(&self) -> &str {
        &self.text
    }

    /// The `X-Amz-Date` header value. The last one made on a thread is remembered, so the
    /// requests of one second share one value instead of allocating one each.
    pub(crate) fn header_value(&self) -> http::HeaderValue {
        thread_local! {
            static LAST: std::cell::RefCell<Option<(arrayvec::ArrayString<16>, http::HeaderValue)>> =
                const { std::cell::RefCell::new(None) };
        }
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some((text, value)) if *text == self.text => value.clone(),
                _ => {
                    // Digits, `T` and `Z`: always a valid header value.
                    let value = http::HeaderValue::from_str(&self.text)
                        .unwrap_or_else(|_| http::HeaderValue::from_static("19700101T000000Z"));
                    *last = Some((self.text, value.clone()));
                    value
                }
            }
        })
    }

    /// `YYYYMMDD`, the date of the credential scope.
    pub(crate) fn date(&self) -> &str {
        self.date_time().get(..8).unwrap_or_default()
    }
}

/// Whole seconds since the Unix epoch, rounded down (also before the epoch).
fn unix_seconds(time: SystemTime) -> Option<i64> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok(),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).ok()?;
            let seconds = if before.subsec_nanos() > 0 {
                whole.checked_add(1)?
            } else {
                whole
            };
            seconds.checked_neg()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_utc_basic_iso_8601() {
        let time = UNIX_EPOCH + Duration::from_millis(1_440_938_160_999);
        let date = AmzDate::new(time).unwrap();
        assert_eq!(date.date_time(), "20150830T123600Z");
        assert_eq!(date.date(), "20150830");
        assert_eq!(
            AmzDate::new(UNIX_EPOCH).unwrap().date_time(),
            "19700101T000000Z"
        );
    }

    #[test]
    fn the_remembered_second_is_only_reused_for_the_same_second() {
        let base = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(AmzDate::new(base).unwrap().date_time(), "20150830T123600Z");
        let same = base + Duration::from_millis(999);
        assert_eq!(AmzDate::new(same).unwrap().date_time(), "20150830T123600Z");
        let next = base + Duration::from_secs(1);
        assert_eq!(AmzDate::new(next).unwrap().date_time(), "20150830T123601Z");
        assert_eq!(AmzDate::new(base).unwrap().date_time(), "20150830T123600Z");
        assert_eq!(
            AmzDate::new(next).unwrap().header_value(),
            "20150830T123601Z"
        );
        assert_eq!(
            AmzDate::new(base).unwrap().header_value(),
            "20150830T123600Z"
        );
        assert_eq!(
            AmzDate::new(base).unwrap().header_value(),
            "20150830T123600Z"
        );
    }

    #[test]
    fn rounds_down_before_the_epoch() {
        let time = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(AmzDate::new(time).unwrap().date_time(), "19691231T235959Z");
    }

    #[test]
    fn rejects_times_outside_four_digit_years() {
        let far_future = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert_eq!(
            AmzDate::new(far_future).err(),
            Some(SigningError::InvalidTime)
        );
        if let Some(max) = UNIX_EPOCH.checked_add(Duration::from_secs(u64::MAX / 4)) {
            assert_eq!(AmzDate::new(max).err(), Some(SigningError::InvalidTime));
        }
    }
}
