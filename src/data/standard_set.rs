//! The standard MNIST set given as its four idx files in any order and under any names (as a
//! person picks or drops them on the page): each file is recognised by its content (images or
//! labels by its magic number, raw or gzip), images and labels are matched by their count,
//! and the larger set is the training set; then they are read with the checks and messages
//! of [`idx::read_set`], as `twinnet train --mnist DIR` reads them.

use super::idx::{self, Contents};
use super::pairs::Sources;
use super::DataError;

/// The number of files of the standard set: training images and labels, test images and labels.
pub const FILES: usize = 4;

/// One file and the count its header gives.
struct Header<'a> {
    name: &'a str,
    bytes: &'a [u8],
    count: u32,
}

/// The training and test sources of the standard set's four files (`(name, bytes)`, any order).
pub fn read(files: &[(&str, &[u8])]) -> Result<Sources, DataError> {
    if files.len() != FILES {
        return Err(DataError::Other(format!(
            "the standard MNIST set is {FILES} idx files (train-images-idx3-ubyte, \
             train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or \
             .gz); {} given",
            files.len()
        )));
    }
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for &(name, bytes) in files {
        match idx::contents(name, bytes)? {
            Contents::Images(count) => images.push(Header { name, bytes, count }),
            Contents::Labels(count) => labels.push(Header { name, bytes, count }),
        }
    }
    if images.len() != 2 || labels.len() != 2 {
        return Err(DataError::Other(format!(
            "the standard MNIST set needs two images files and two labels files; these are {} \
             images and {} labels files",
            images.len(),
            labels.len()
        )));
    }
    // The larger set trains; a tie is broken by the standard names (t10k is the test set).
    let is_test = |h: &Header| h.name.contains("t10k");
    let order = |a: &Header, b: &Header| b.count.cmp(&a.count).then(is_test(a).cmp(&is_test(b)));
    images.sort_by(order);
    labels.sort_by(order);
    if images[0].count == images[1].count && is_test(&images[0]) == is_test(&images[1]) {
        return Err(DataError::Other(format!(
            "cannot tell the training set from the test set: both images files hold {} images \
             (name the test files t10k-…)",
            images[0].count
        )));
    }
    let set = |i: usize| {
        idx::read_set(
            images[i].name,
            images[i].bytes,
            labels[i].name,
            labels[i].bytes,
        )
    };
    Ok(Sources {
        train: set(0)?,
        test: set(1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::{encode_images, encode_labels, gzip};

    fn images(count: usize, value: u8) -> Vec<u8> {
        encode_images(&vec![value; count * 784], count)
    }

    fn labels(count: usize) -> Vec<u8> {
        encode_labels(&(0..count).map(|i| (i % 10) as u8).collect::<Vec<_>>())
    }

    #[test]
    fn four_files_in_any_order_and_any_names_make_the_sets() {
        let (ti, tl, si, sl) = (
            gzip(&images(30, 1)),
            labels(30),
            images(12, 2),
            gzip(&labels(12)),
        );
        let files = [
            ("a", &sl[..]),
            ("b", &ti[..]),
            ("c", &si[..]),
            ("d", &tl[..]),
        ];
        let sources = read(&files).unwrap();
        assert_eq!((sources.train.len(), sources.test.len()), (30, 12));
        assert_eq!(sources.train.image(0)[0], 1);
        assert_eq!(sources.test.image(0)[0], 2);
        // Equal counts: the t10k names say which is the test set.
        let (i2, l2) = (images(30, 2), labels(30));
        let files = [
            ("t10k-images-idx3-ubyte", &i2[..]),
            ("train-labels-idx1-ubyte", &tl[..]),
            ("t10k-labels-idx1-ubyte", &l2[..]),
            ("train-images-idx3-ubyte.gz", &ti[..]),
        ];
        let sources = read(&files).unwrap();
        assert_eq!(sources.test.image(0)[0], 2);
    }

    #[test]
    fn a_bad_or_incomplete_set_is_refused_with_the_loaders_message() {
        let (ti, tl, si, sl) = (images(30, 1), labels(30), images(12, 2), labels(12));
        let e = read(&[("a", &ti[..]), ("b", &tl[..]), ("c", &si[..])]).unwrap_err();
        assert!(e.to_string().contains("4 idx files"), "{e}");
        let e = read(&[
            ("a", &ti[..]),
            ("b", &tl[..]),
            ("c", &si[..]),
            ("d", &ti[..]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("3 images and 1 labels"), "{e}");
        let truncated = &ti[..ti.len() - 100];
        let e = read(&[
            ("train-images", truncated),
            ("b", &tl[..]),
            ("c", &si[..]),
            ("d", &sl[..]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("train-images"), "{e}");
        let e = read(&[
            ("x", &b"hello world, not idx"[..]),
            ("b", &tl[..]),
            ("c", &si[..]),
            ("d", &sl[..]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("x"), "{e}");
        let e = read(&[
            ("a", &ti[..]),
            ("b", &tl[..]),
            ("c", &ti[..]),
            ("d", &tl[..]),
        ])
        .unwrap_err();
        assert!(
            e.to_string().contains("cannot tell the training set"),
            "{e}"
        );
    }
}
