//! Fuzzes the digits-file decoder: any bytes give a set or a named error, never a panic,
//! a hang or a huge allocation; whatever is accepted survives an encode/decode round trip,
//! and the size bound that readers take from the file's first bytes never refuses it.
//!
//! Run: `cargo fuzz run digits_file` (from the crate root). Good seeds:
//! `twinnet::data::digits_file::{encode, encode_uncompressed}` of a small set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinnet::data::{digits_file, idx, DataError};

fuzz_target!(|data: &[u8]| {
    match digits_file::decode("digits", data) {
        Ok(set) => {
            assert_eq!(set.pixels().len(), set.len() * 784);
            assert!(set.labels().iter().all(|&l| l <= 9));
            let raw = digits_file::encode_uncompressed(&set);
            if !idx::is_gzip(data) {
                assert_eq!(raw, data);
            }
            assert_eq!(
                digits_file::decode("again", &digits_file::encode(&set)).as_ref(),
                Ok(&set)
            );
            let head = &data[..data.len().min(64 * 1024)];
            let bound = digits_file::file_bound("digits", head);
            assert!(
                matches!(bound, Ok(b) if b >= data.len() as u64),
                "an accepted file of {} bytes gets the bound {bound:?}",
                data.len()
            );
        }
        Err(DataError::Invalid { name, problem }) => {
            assert_eq!(name, "digits");
            assert!(!problem.is_empty());
        }
        Err(DataError::Other(m)) => panic!("unnamed error: {m}"),
    }
});
