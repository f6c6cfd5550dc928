//! Finding and reading digit data for the CLI (the core only sees bytes).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use twinnet::data::pairs::Sources;
use twinnet::data::{digits_file, idx, DigitSet};

use crate::files::read_bounded;
use crate::DataArgs;

/// Where the digits file is looked for when neither `--digits` nor [`DIGITS_ENV`] gives one.
pub const DEFAULT_DIGITS: &str = "www/data/mnist10k.bin";
/// The environment variable clap reads for `--digits` when the flag is not given.
pub const DIGITS_ENV: &str = "TWINNET_DIGITS";

/// A project file by its path relative to the crate root: `./REL` when run from
/// the checkout, else the same path in the crate's source tree.
pub fn project_file(rel: &str) -> Option<PathBuf> {
    [
        PathBuf::from(rel),
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The embedded default data: `--digits` (or `$TWINNET_DIGITS`, which clap reads into it),
/// `./www/data/mnist10k.bin`, or the same path in the crate's source tree.
pub fn digits_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    project_file(DEFAULT_DIGITS).with_context(|| {
        format!(
            "no digits file at {DEFAULT_DIGITS}: run scripts/fetch-data.sh to make it, \
             or pass --digits FILE or --mnist DIR"
        )
    })
}

/// Reads a TwinNet digits file.
pub fn read_digits(path: &Path) -> Result<DigitSet> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, |head| digits_file::file_bound(&name, head))?;
    Ok(digits_file::decode(&name, &bytes)?)
}

/// Finds `base` or `base.gz` in `dir`.
fn find_idx(dir: &Path, base: &str) -> Result<PathBuf> {
    idx::candidates(base)
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("{} has no {base} (or {base}.gz)", dir.display()))
}

/// Reads one standard MNIST set (`train` or `t10k`) from an idx directory.
pub fn read_idx_set(dir: &Path, images_base: &str, labels_base: &str) -> Result<DigitSet> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let images = find_idx(dir, images_base)?;
    let labels = find_idx(dir, labels_base)?;
    let (images_name, labels_name) = (images.display().to_string(), labels.display().to_string());
    let images_bytes = read_bounded(&images, |head| idx::images_file_bound(&images_name, head))?;
    let labels_bytes = read_bounded(&labels, |head| idx::labels_file_bound(&labels_name, head))?;
    Ok(idx::read_set(
        &images_name,
        &images_bytes,
        &labels_name,
        &labels_bytes,
    )?)
}

/// The last `holdout` images of the MNIST training set in `dir` (those `pretrain` holds
/// out, at least `min` of them) and the index of the first.
pub fn held_out(dir: &Path, holdout: usize, min: usize) -> Result<(usize, DigitSet)> {
    let all = read_idx_set(dir, idx::TRAIN_IMAGES, idx::TRAIN_LABELS)?;
    if holdout < min.max(1) || holdout > all.len() {
        bail!(
            "--holdout {holdout} does not fit the {} images in {}",
            all.len(),
            dir.display()
        );
    }
    let first = all.len() - holdout;
    Ok((first, all.subset(&(first..all.len()).collect::<Vec<_>>())))
}

/// Train and test sources as the data arguments say.
pub fn load(data: &DataArgs) -> Result<Sources> {
    match &data.mnist {
        Some(dir) => Ok(Sources {
            train: read_idx_set(dir, idx::TRAIN_IMAGES, idx::TRAIN_LABELS)?,
            test: read_idx_set(dir, idx::T10K_IMAGES, idx::T10K_LABELS)?,
        }),
        None => {
            let path = digits_path(data.digits.as_deref())?;
            let all = read_digits(&path)?;
            Ok(Sources::split_halves(&all, data.split_seed))
        }
    }
}

/// Checks that the sources can give `pairs` pairs each.
pub fn check_pairs(sources: &Sources, pairs: usize) -> Result<()> {
    if pairs == 0 {
        bail!("--pairs must be at least 1");
    }
    if pairs > sources.max_pairs() {
        bail!(
            "--pairs {pairs} needs {} distinct images per source, but train has {} and test {} \
             (at most --pairs {})",
            2 * pairs,
            sources.train.len(),
            sources.test.len(),
            sources.max_pairs()
        );
    }
    Ok(())
}
