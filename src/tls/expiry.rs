//! A certificate's end of validity (`notAfter`), for the metric that says when the served
//! certificate expires (and its start, for doctor's account of Genesys's certificates).
//!
//! rustls checks the certificate's structure but never reads its validity (a server has no
//! use for it), and the crates that parse X.509 fully are not built here, so this reads the
//! one field it needs by walking the DER: Certificate, then TBSCertificate, past the
//! version, serial number, signature algorithm and issuer, to the Validity's second time.
//! The times are as RFC 5280 has them (UTCTime `YYMMDDHHMMSSZ`, GeneralizedTime
//! `YYYYMMDDHHMMSSZ`), which is all a client checking the certificate accepts either.

const INTEGER: u8 = 0x02;
const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT`: the version, absent from a version 1 certificate.
const VERSION: u8 = 0xa0;

/// The certificate's `notAfter` in seconds since the Unix epoch; `None` for anything that is
/// not a DER certificate with a time RFC 5280 allows there.
pub fn not_after(certificate: &[u8]) -> Option<i64> {
    validity(certificate).map(|(_, not_after)| not_after)
}

/// The certificate's `notBefore` and `notAfter`, as [`not_after`] reads them.
pub(super) fn validity(certificate: &[u8]) -> Option<(i64, i64)> {
    let (certificate, _) = expect(SEQUENCE, certificate)?;
    let (tbs, _) = expect(SEQUENCE, certificate)?;
    let mut rest = tbs;
    if let Some((VERSION, _, after)) = element(rest) {
        rest = after;
    }
    // The serial number, the signature algorithm, the issuer.
    for tag in [INTEGER, SEQUENCE, SEQUENCE] {
        rest = expect(tag, rest)?.1;
    }
    let (validity, _) = expect(SEQUENCE, rest)?;
    let (tag, time, after_not_before) = element(validity)?;
    let not_before = seconds(tag, time)?;
    let (tag, time, _) = element(after_not_before)?;
    Some((not_before, seconds(tag, time)?))
}

/// The contents of the element `input` starts with, if its tag is `tag`, and what follows.
fn expect(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (found, contents, rest) = element(input)?;
    (found == tag).then_some((contents, rest))
}

/// The tag, contents and what follows of the DER element `input` starts with (a one-byte
/// tag: every tag on the way to `notAfter` is).
pub(super) fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // The long form: the next `first & 0x7f` bytes are the length (4 at most here).
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let length = bytes
            .iter()
            .fold(0usize, |length, byte| length << 8 | usize::from(*byte));
        (length, rest)
    };
    (rest.len() >= length).then(|| {
        let (contents, rest) = rest.split_at(length);
        (tag, contents, rest)
    })
}

fn seconds(tag: u8, time: &[u8]) -> Option<i64> {
    if !time.ends_with(b"Z") || !time[..time.len() - 1].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = std::str::from_utf8(&time[..time.len() - 1]).ok()?;
    // RFC 5280: a two-digit year from 50 is 19YY, below 50 it is 20YY.
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i32 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let two = |at: usize| rest[at..at + 2].parse::<u8>().ok();
    let month = time::Month::try_from(two(0)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, two(2)?).ok()?;
    let at = date.with_hms(two(4)?, two(6)?, two(8)?).ok()?;
    Some(at.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate_until(year: i32, month: u8, day: u8) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_after = rcgen::date_time_ymd(year, month, day);
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn reads_the_end_of_validity_in_either_form_of_time() {
        // Before 2050 it is a UTCTime, from 2050 a GeneralizedTime.
        assert_eq!(
            not_after(&certificate_until(2031, 3, 14)),
            Some(1_931_212_800)
        );
        assert_eq!(
            not_after(&certificate_until(2051, 1, 1)),
            Some(2_556_144_000)
        );
    }

    #[test]
    fn anything_else_is_none() {
        let certificate = certificate_until(2031, 3, 14);
        for cut in [0, 1, 10, 100, certificate.len() / 2] {
            assert_eq!(not_after(&certificate[..cut]), None, "cut at {cut}");
        }
        assert_eq!(not_after(b"-----BEGIN CERTIFICATE-----"), None);
        assert_eq!(seconds(UTC_TIME, b"3103141200Z"), None, "no seconds");
        assert_eq!(seconds(UTC_TIME, b"310314120000+0100"), None, "an offset");
        assert_eq!(seconds(GENERALIZED_TIME, b"20310314120000.5Z"), None);
        assert_eq!(seconds(UTC_TIME, b"311314120000Z"), None, "month 13");
        assert_eq!(seconds(UTC_TIME, b"310314120000Z"), Some(1_931_256_000));
        assert_eq!(seconds(UTC_TIME, b"990101000000Z"), Some(915_148_800));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = not_after(&bytes);
        }
    }
}
