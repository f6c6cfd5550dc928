//! Fuzzes the MNIST idx readers: any bytes give a value or a named error, never a panic,
//! a hang or a huge allocation; whatever is accepted re-encodes to the same bytes, and the
//! size bound that readers take from the file's first bytes never refuses it.
//!
//! Run: `cargo fuzz run idx` (from the crate root). Good seeds: small files made with
//! `twinnet::data::idx::{encode_images, encode_labels, gzip}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinnet::data::idx;
use twinnet::data::DataError;

/// Errors must name one of the two inputs and say something.
fn named(e: &DataError) {
    match e {
        DataError::Invalid { name, problem } => {
            assert!(name == "images" || name == "labels", "error names {name:?}");
            assert!(!problem.is_empty());
        }
        DataError::Other(m) => panic!("unnamed error: {m}"),
    }
}

/// An accepted file is never longer than the bound its first bytes give.
fn within(bound: Result<u64, DataError>, data: &[u8]) {
    assert!(
        matches!(bound, Ok(b) if b >= data.len() as u64),
        "an accepted file of {} bytes gets the bound {bound:?}",
        data.len()
    );
}

fuzz_target!(|data: &[u8]| {
    let head = &data[..data.len().min(64 * 1024)];
    match idx::read_images("images", data) {
        Ok((count, pixels)) => {
            assert_eq!(pixels.len(), count * 784);
            within(idx::images_file_bound("images", head), data);
            if !idx::is_gzip(data) {
                assert_eq!(idx::encode_images(&pixels, count), data);
            }
        }
        Err(e) => named(&e),
    }
    match idx::read_labels("labels", data) {
        Ok(labels) => {
            assert!(labels.iter().all(|&l| l <= 9));
            within(idx::labels_file_bound("labels", head), data);
            if !idx::is_gzip(data) {
                assert_eq!(idx::encode_labels(&labels), data);
            }
        }
        Err(e) => named(&e),
    }
    // Two files from one input: the first two bytes choose where to split the rest.
    if data.len() >= 2 {
        let rest = &data[2..];
        let at = u16::from_le_bytes([data[0], data[1]]) as usize % (rest.len() + 1);
        let (images, labels) = rest.split_at(at);
        match idx::read_set("images", images, "labels", labels) {
            Ok(set) => {
                assert_eq!(set.pixels().len(), set.len() * 784);
                assert!(set.labels().iter().all(|&l| l <= 9));
            }
            Err(e) => named(&e),
        }
    }
});
