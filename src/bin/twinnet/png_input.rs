//! PNG files → the 14×14 input, through the same preprocessing as the page.

use std::path::Path;

use anyhow::{bail, Context, Result};
use twinnet::data::PIXELS14;
use twinnet::preprocess::{self, GrayImage};

/// Largest PNG side we read (a digit drawing needs far less).
const MAX_SIDE: u32 = 8192;

/// Decodes a PNG into an ink image: transparency is ink when the image has any
/// (a canvas export), else luminance with the paper colour detected.
pub fn read_png(path: &Path) -> Result<GrayImage> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .with_context(|| format!("{}: not a readable PNG", path.display()))?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        bail!(
            "{}: {w}×{h} pixels; expected 1 to {MAX_SIDE} pixels a side",
            path.display()
        );
    }
    let size = reader
        .output_buffer_size()
        .with_context(|| format!("{}: image too large", path.display()))?;
    let mut buf = vec![0u8; size];
    let frame = reader
        .next_frame(&mut buf)
        .with_context(|| format!("{}: corrupt PNG data", path.display()))?;
    let bytes = &buf[..frame.buffer_size()];
    let (w, h) = (w as usize, h as usize);
    let rgba: Vec<u8> = match frame.color_type {
        png::ColorType::Rgba => bytes.to_vec(),
        png::ColorType::Rgb => bytes
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => bytes
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => bytes.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        other => bail!("{}: unsupported PNG colour type {other:?}", path.display()),
    };
    GrayImage::from_rgba(w, h, &rgba).with_context(|| path.display().to_string())
}

/// The 14×14 network input of a PNG drawing, or `None` if it is blank.
pub fn digit14(path: &Path) -> Result<Option<[f32; PIXELS14]>> {
    Ok(preprocess::preprocess(&read_png(path)?))
}
