//! The bytes a JSON string cannot hold as they are (`"`, `\` and the control characters),
//! and finding the first of them eight bytes at a time: where the serializer must escape and
//! where the scanner's plain run of a string ends.

/// The bytes a JSON string cannot hold as they are: `"`, `\` and the control characters.
pub(crate) static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The index of the first byte at or after `i` that is `"`, `\` or a control character, or
/// `data.len()`: eight bytes at a time, then one by one.
#[inline]
pub(crate) fn find_special(data: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = data.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        // Each term flags the bytes that match (a byte below 0x20; a `"`; a `\`) and maybe some
        // above a true match (a borrow carries upwards), never one below: so the lowest flag
        // of the three together is the first match.
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        let quote = (x ^ (ONES * 0x22)).wrapping_sub(ONES) & !(x ^ (ONES * 0x22));
        let slash = (x ^ (ONES * 0x5c)).wrapping_sub(ONES) & !(x ^ (ONES * 0x5c));
        let found = (control | quote | slash) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = data.get(i) {
        if SPECIAL[usize::from(b)] {
            return i;
        }
        i += 1;
    }
    data.len()
}

/// Whether any byte of `bytes` must be escaped in a JSON string.
#[inline]
pub(crate) fn needs_escape(bytes: &[u8]) -> bool {
    find_special(bytes, 0) < bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_agrees_with_the_table_for_every_byte_and_position() {
        for b in 0..=255u8 {
            for len in 1..=17 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(
                        needs_escape(&bytes),
                        SPECIAL[usize::from(b)],
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
        // Bytes of multi-byte UTF-8 never need an escape.
        assert!(!needs_escape("žluťoučký kůň ünïcödé".as_bytes()));
        assert!(needs_escape("žluťoučký \"kůň\"".as_bytes()));
    }

    #[test]
    fn the_first_special_byte_is_found_at_every_byte_and_position() {
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut data = vec![b'a'; 20];
                data[at] = b;
                // A high byte before the one looked for must not hide it (nor flag itself).
                if at > 0 {
                    data[at - 1] = 0xff;
                }
                let want = if SPECIAL[usize::from(b)] { at } else { 20 };
                for from in 0..=at {
                    assert_eq!(
                        find_special(&data, from),
                        want,
                        "byte {b:#x} at {at} from {from}"
                    );
                }
            }
        }
    }
}
