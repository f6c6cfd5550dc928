//! Preprocessing: any grayscale drawing → MNIST's 28×28 → the 14×14 the network sees.
//!
//! # Getting ink
//!
//! Everything works on [`GrayImage`], ink intensities in [0, 1] (0 = background,
//! 1 = full ink). Constructors turn common pixel formats into ink:
//!
//! - [`GrayImage::from_alpha`]: a browser canvas's RGBA bytes where strokes are drawn
//!   on a transparent canvas: ink = alpha / 255, colours are ignored.
//! - [`GrayImage::from_luma`]: luminance bytes. If the image's border (its outermost
//!   rows and columns) is on average light (> 0.5), it is dark ink on light paper and
//!   ink = 1 − luma / 255; otherwise it is light ink on a dark ground (MNIST's own
//!   style) and ink = luma / 255.
//! - [`GrayImage::from_rgba`]: automatic. If any pixel is (partly) transparent, the
//!   alpha rule; otherwise luminance (0.299 R + 0.587 G + 0.114 B) / 255 and the luma
//!   rule.
//!
//! # MNIST's recipe ([`to_mnist28`])
//!
//! MNIST digits were made by fitting each NIST digit, aspect ratio preserved, into a
//! 20×20 box with anti-aliasing, then placing it in a 28×28 field so that its centre
//! of mass is at the field's centre. Measured on the MNIST training set: the larger
//! side of the ink's bounding box is 20 pixels for 99.98 % of the digits, the mean
//! centre of mass is (14.00, 14.00) in pixel-index coordinates (pixel `i` has its
//! centre at `i`), and every digit's brightest pixel is 254 or 255. Here:
//!
//! 1. Pixels at or below [`INK_FLOOR`] are background (they are set to 0). If what is
//!    left is negligible (see [`MIN_PEAK_INK`] and [`MIN_INK_PER_SIDE`]) the image is
//!    blank and the result is `None`.
//! 2. The bounding box of the remaining ink is scaled so that its larger side becomes
//!    [`BOX_SIDE`] (20) pixels; both axes use the same factor, so a thin "1" stays a
//!    thin line ~20 pixels tall.
//! 3. The ink-weighted centre of mass lands on pixel (14, 14) of the 28×28 field, with
//!    a sub-pixel shift; whatever would fall outside is clipped.
//!
//!    Steps 2 and 3 are one separable resampling pass, so there is a single
//!    interpolation: when shrinking, each output pixel is the exact area average (box
//!    filter) of the source pixels it covers; when enlarging, bilinear interpolation
//!    of the source pixel centres. Ink outside the bounding box counts as 0.
//! 4. Stroke width: a drawing with the resolution for it (a bounding box of at least
//!    40 pixels) is fitted into a field `f` = 2 to [`MAX_FINE`] times finer than
//!    28×28 (still an exact area average), where strokes thicker or thinner than most
//!    MNIST digits' are brought to MNIST's width ([`thickness`]); the field's `f`×`f`
//!    blocks are then averaged into the 28×28 — for a drawing left as it is, exactly
//!    what the single pass gives, up to rounding. A normalised field is fitted again
//!    (steps 2 and 3 on the field: its box and centre of mass have moved). A small
//!    image (an MNIST digit) is fitted directly and its strokes are left alone.
//! 5. Contrast: if the brightest output pixel is below 1 (e.g. a thin pen on a large
//!    canvas), all values are scaled so that it is 1, as in every MNIST digit.
//!
//! [`pool_2x2`] then averages 2×2 blocks, 28×28 → 14×14, the input of the network;
//! [`pool_2x2_u8`] does the same to MNIST's bytes (byte / 255 first), and
//! [`preprocess`] is [`to_mnist28`] followed by [`pool_2x2`].
//!
//! Everything is plain arithmetic on slices: no threads, files or clocks, so the same
//! code runs natively and in WebAssembly.

use crate::thickness;

/// Side of an MNIST image (and of [`to_mnist28`]'s output).
pub const SIDE28: usize = 28;
/// Pixels of an MNIST image.
pub const PIXELS28: usize = SIDE28 * SIDE28;
/// Side of the 2×2-average-pooled image the network sees ([`pool_2x2`]'s output).
pub const SIDE14: usize = 14;
/// Pixels of the pooled image.
pub const PIXELS14: usize = SIDE14 * SIDE14;

/// Ink at or below this is background: it neither defines the bounding box nor
/// counts towards the mass or the centre of mass (it is set to 0).
pub const INK_FLOOR: f32 = 0.05;

/// An image whose brightest pixel is below this has no meaningful ink (blank).
pub const MIN_PEAK_INK: f32 = 0.1;

/// An image is blank if its total ink mass (sum of ink above [`INK_FLOOR`]) is below
/// this times its longer side: less than a one-pixel-wide, full-ink line 5 % of the
/// image's longer side long. On a 280×280 canvas that is 14 pixels' worth of ink, so a
/// stray dot of a few pixels is blank, while the shortest real stroke (a "1" with a
/// one-pixel pen, ~100+ pixels) is far above it. On a 28×28 MNIST image it is 1.4;
/// the lightest MNIST training digit has a mass of about 22.
pub const MIN_INK_PER_SIDE: f32 = 0.05;

/// The larger side of the ink's bounding box after scaling, in 28×28 pixels.
pub const BOX_SIDE: f32 = 20.0;

/// Most pixels per MNIST pixel (along each axis) of the field a drawing is fitted into
/// before its stroke width is normalised ([`thickness`]).
pub const MAX_FINE: usize = 3;

/// A grayscale image as ink intensities in [0, 1] (0 = background, 1 = full ink),
/// row-major, `width * height` values.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayImage {
    width: usize,
    height: usize,
    ink: Vec<f32>,
}

/// Why an image could not be preprocessed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PreprocessError {
    /// The buffer does not hold `width * height * channels` values (`expected` is
    /// `usize::MAX` when that product overflows).
    #[error("image of {width}×{height} needs {expected} values, got {got}")]
    SizeMismatch {
        width: usize,
        height: usize,
        expected: usize,
        got: usize,
    },
    /// The width or the height is 0.
    #[error("image is empty ({width}×{height})")]
    Empty { width: usize, height: usize },
    /// A pixel format other than [`PixelFormat`]'s names.
    #[error("unknown pixel format {0:?}: use \"rgba\" (4 bytes per pixel, as getImageData gives) or \"alpha\" (1 byte per pixel)")]
    UnknownFormat(String),
    /// The bytes are not a square image in the format.
    #[error("{bytes} bytes is not a square {format} image (side × side × {channels} bytes); send the whole square canvas")]
    NotSquare {
        bytes: usize,
        format: &'static str,
        channels: usize,
    },
}

/// Checks that a buffer of `got` values holds a `width`×`height` image with
/// `channels` values per pixel.
fn check_size(
    width: usize,
    height: usize,
    channels: usize,
    got: usize,
) -> Result<(), PreprocessError> {
    if width == 0 || height == 0 {
        return Err(PreprocessError::Empty { width, height });
    }
    let expected = width
        .checked_mul(height)
        .and_then(|pixels| pixels.checked_mul(channels));
    match expected {
        Some(expected) if expected == got => Ok(()),
        _ => Err(PreprocessError::SizeMismatch {
            width,
            height,
            expected: expected.unwrap_or(usize::MAX),
            got,
        }),
    }
}

/// A byte as a fraction of 255.
fn unit(byte: u8) -> f32 {
    f32::from(byte) / 255.0
}

impl GrayImage {
    /// An image from ink values in [0, 1] (values outside are clamped, NaN is 0).
    pub fn new(width: usize, height: usize, ink: Vec<f32>) -> Result<Self, PreprocessError> {
        check_size(width, height, 1, ink.len())?;
        let ink = ink
            .into_iter()
            .map(|v| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) })
            .collect();
        Ok(Self { width, height, ink })
    }

    /// A browser canvas's RGBA bytes (`width * height * 4`, row-major), strokes drawn
    /// on a transparent canvas: ink = alpha / 255, whatever the colour.
    pub fn from_alpha(width: usize, height: usize, rgba: &[u8]) -> Result<Self, PreprocessError> {
        check_size(width, height, 4, rgba.len())?;
        let ink = rgba.iter().skip(3).step_by(4).copied().map(unit).collect();
        Ok(Self { width, height, ink })
    }

    /// RGBA bytes (`width * height * 4`, row-major), interpreted automatically: if any
    /// pixel has alpha < 255 the image has transparency and ink = alpha / 255 (as
    /// [`GrayImage::from_alpha`]); otherwise the luminance
    /// (0.299 R + 0.587 G + 0.114 B) / 255 goes through the luma rule of
    /// [`GrayImage::from_luma`].
    pub fn from_rgba(width: usize, height: usize, rgba: &[u8]) -> Result<Self, PreprocessError> {
        check_size(width, height, 4, rgba.len())?;
        if rgba.iter().skip(3).step_by(4).any(|&alpha| alpha < 255) {
            return Self::from_alpha(width, height, rgba);
        }
        let luma = rgba
            .chunks_exact(4)
            .map(|p| {
                let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
                ((0.299 * r + 0.587 * g + 0.114 * b) / 255.0).clamp(0.0, 1.0)
            })
            .collect();
        Ok(Self::from_luma_values(width, height, luma))
    }

    /// Luminance bytes (`width * height`, row-major). If the border (outermost rows
    /// and columns) is on average light (mean luma / 255 > 0.5) the image is dark ink
    /// on light paper and ink = 1 − luma / 255; otherwise (MNIST style, light ink on
    /// black) ink = luma / 255.
    pub fn from_luma(width: usize, height: usize, luma: &[u8]) -> Result<Self, PreprocessError> {
        check_size(width, height, 1, luma.len())?;
        let luma = luma.iter().copied().map(unit).collect();
        Ok(Self::from_luma_values(width, height, luma))
    }

    /// The luma rule on luminances in [0, 1]; the size must already be checked.
    fn from_luma_values(width: usize, height: usize, mut luma: Vec<f32>) -> Self {
        if border_mean(width, height, &luma) > 0.5 {
            luma.iter_mut().for_each(|v| *v = 1.0 - *v);
        }
        Self {
            width,
            height,
            ink: luma,
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// The ink values, row-major.
    pub fn ink(&self) -> &[f32] {
        &self.ink
    }

    /// The ink at column `x`, row `y`.
    ///
    /// # Panics
    ///
    /// If `x >= width` or `y >= height`; see [`GrayImage::get`].
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.ink[y * self.width + x]
    }

    /// The ink at column `x`, row `y`, or `None` outside the image.
    pub fn get(&self, x: usize, y: usize) -> Option<f32> {
        (x < self.width && y < self.height).then(|| self.ink[y * self.width + x])
    }
}

/// Mean of the outermost rows and columns (each pixel counted once).
fn border_mean(width: usize, height: usize, values: &[f32]) -> f32 {
    let mut sum = 0.0f64;
    let mut count = 0usize;
    for (y, row) in values.chunks_exact(width).enumerate() {
        if y == 0 || y + 1 == height {
            sum += row.iter().map(|&v| f64::from(v)).sum::<f64>();
            count += row.len();
        } else if let (Some(&first), Some(&last)) = (row.first(), row.last()) {
            sum += f64::from(first);
            count += 1;
            if row.len() > 1 {
                sum += f64::from(last);
                count += 1;
            }
        }
    }
    if count == 0 {
        0.0
    } else {
        (sum / count as f64) as f32
    }
}

/// Ink above [`INK_FLOOR`], else 0.
fn floored(v: f32) -> f32 {
    if v > INK_FLOOR {
        v
    } else {
        0.0
    }
}

/// Where the ink is: bounding box (inclusive pixel indices) and centre of mass in
/// continuous coordinates (pixel `i` covers `[i, i + 1)`).
#[derive(Debug, Clone, Copy)]
struct InkStats {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
    com_x: f64,
    com_y: f64,
}

impl InkStats {
    /// Measures the ink of `img`, or `None` if it is blank.
    fn measure(img: &GrayImage) -> Option<Self> {
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        let (mut mass, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
        let mut peak = 0.0f32;
        for (y, row) in img.ink.chunks_exact(img.width).enumerate() {
            for (x, &v) in row.iter().enumerate() {
                let v = floored(v);
                if v > 0.0 {
                    x0 = x0.min(x);
                    x1 = x1.max(x);
                    y0 = y0.min(y);
                    y1 = y1.max(y);
                    let w = f64::from(v);
                    mass += w;
                    sx += w * (x as f64 + 0.5);
                    sy += w * (y as f64 + 0.5);
                    peak = peak.max(v);
                }
            }
        }
        let min_mass = f64::from(MIN_INK_PER_SIDE) * img.width.max(img.height) as f64;
        if mass <= 0.0 || peak < MIN_PEAK_INK || mass < min_mass {
            return None;
        }
        Some(Self {
            x0,
            x1,
            y0,
            y1,
            com_x: sx / mass,
            com_y: sy / mass,
        })
    }
}

/// The source pixels (and weights) that make one output pixel along one axis.
#[derive(Debug, Clone, Default)]
struct Taps {
    /// Source index of `weights[0]`.
    start: usize,
    weights: Vec<f32>,
}

impl Taps {
    /// Weighted sum of `source(i)` over the taps.
    fn apply(&self, source: impl Fn(usize) -> f32) -> f32 {
        self.weights
            .iter()
            .enumerate()
            .fold(0.0, |acc, (i, &w)| acc + w * source(self.start + i))
    }
}

/// Resampling taps for the `side` output pixels along one axis: the source point `com`
/// (continuous coordinates) maps to the centre of the field (the centre of pixel 14
/// when `side` is 28), and source lengths are multiplied by `scale`. Only source pixels `lo..=hi` contribute (the rest is
/// background). Shrinking (`scale <= 1`) averages the covered area (box filter);
/// enlarging interpolates linearly between source pixel centres.
fn axis_taps(scale: f64, com: f64, lo: usize, hi: usize, side: usize) -> Vec<Taps> {
    let target = (SIDE28 as f64 / 2.0 + 0.5) * (side / SIDE28) as f64;
    let to_source = |u: f64| (u - target) / scale + com;
    let (lo, hi) = (lo as f64, hi as f64);
    (0..side)
        .map(|k| {
            let k = k as f64;
            let mut taps: Vec<(f64, f64)> = Vec::new();
            if scale <= 1.0 {
                let (a, b) = (to_source(k), to_source(k + 1.0));
                let first = a.floor().max(lo);
                let last = (b.ceil() - 1.0).min(hi);
                let mut i = first;
                while i <= last {
                    let overlap = b.min(i + 1.0) - a.max(i);
                    if overlap > 0.0 {
                        taps.push((i, overlap * scale));
                    }
                    i += 1.0;
                }
            } else {
                let p = to_source(k + 0.5) - 0.5;
                let i0 = p.floor();
                let t = p - i0;
                for (i, w) in [(i0, 1.0 - t), (i0 + 1.0, t)] {
                    if (lo..=hi).contains(&i) && w > 0.0 {
                        taps.push((i, w));
                    }
                }
            }
            match taps.first() {
                // Indices are whole numbers within lo..=hi, so the cast is exact.
                Some(&(start, _)) => Taps {
                    start: start as usize,
                    weights: taps.iter().map(|&(_, w)| w as f32).collect(),
                },
                None => Taps::default(),
            }
        })
        .collect()
}

/// MNIST's recipe (see the [module documentation](self)): the ink's bounding box
/// scaled so its larger side is 20 pixels (aspect ratio kept), centre of mass on pixel
/// (14, 14) of a 28×28 field, brightest pixel 1. Row-major values in [0, 1].
///
/// `None` if the image is blank: no pixel reaches [`MIN_PEAK_INK`], or the ink mass
/// is below [`MIN_INK_PER_SIDE`] × the longer side.
pub fn to_mnist28(img: &GrayImage) -> Option<[f32; PIXELS28]> {
    let stats = InkStats::measure(img)?;
    let box_w = stats.x1 - stats.x0 + 1;
    let box_h = stats.y1 - stats.y0 + 1;
    let scale = f64::from(BOX_SIDE) / box_w.max(box_h) as f64;
    // As fine as the drawing resolves (every fine pixel still averages whole source
    // pixels), at most MAX_FINE.
    let fine = ((1.0 / scale).floor() as usize).clamp(1, MAX_FINE);
    let side = SIDE28 * fine;
    let mut field = fit(img, &stats, scale * fine as f64, side);
    if fine > 1
        && thickness::normalise(&mut field, side, fine, BOX_SIDE).is_some_and(|w| w.changed())
    {
        // Thinner or thicker strokes change the box and may move the centre of mass:
        // fit the normalised field again.
        let normalised = GrayImage {
            width: side,
            height: side,
            ink: field,
        };
        let again = InkStats::measure(&normalised)?;
        let fine_box = BOX_SIDE as f64 * fine as f64;
        let refit = fine_box / (again.x1 - again.x0 + 1).max(again.y1 - again.y0 + 1) as f64;
        field = fit(&normalised, &again, refit, side);
    }
    let mut field = pool_fine(&field, fine);

    // Contrast: the brightest pixel becomes full ink.
    let peak = field.iter().fold(0.0f32, |m, &v| m.max(v));
    if peak <= f32::EPSILON {
        return None;
    }
    let gain = if peak < 1.0 { 1.0 / peak } else { 1.0 };
    field
        .iter_mut()
        .for_each(|v| *v = (*v * gain).clamp(0.0, 1.0));
    Some(field)
}

/// Steps 2 and 3 of the recipe into a `side`×`side` field (`side / 28` pixels per MNIST
/// pixel): the ink's box scaled by `scale`, its centre of mass on the field's centre.
fn fit(img: &GrayImage, stats: &InkStats, scale: f64, side: usize) -> Vec<f32> {
    let box_h = stats.y1 - stats.y0 + 1;
    let x_taps = axis_taps(scale, stats.com_x, stats.x0, stats.x1, side);
    let y_taps = axis_taps(scale, stats.com_y, stats.y0, stats.y1, side);

    // Horizontal pass: every source row of the box → `side` columns.
    let mut rows = vec![0.0f32; box_h * side];
    for (row_out, row_in) in rows
        .chunks_exact_mut(side)
        .zip(img.ink.chunks_exact(img.width).skip(stats.y0))
    {
        for (out, taps) in row_out.iter_mut().zip(&x_taps) {
            *out = taps.apply(|x| row_in.get(x).copied().map_or(0.0, floored));
        }
    }

    // Vertical pass: box rows → `side` rows.
    let mut field = vec![0.0f32; side * side];
    for (row_out, taps) in field.chunks_exact_mut(side).zip(&y_taps) {
        for (col, out) in row_out.iter_mut().enumerate() {
            *out = taps.apply(|y| {
                y.checked_sub(stats.y0)
                    .and_then(|r| rows.get(r * side + col))
                    .copied()
                    .unwrap_or(0.0)
            });
        }
    }
    field
}

/// The 28×28 means of `fine`×`fine` blocks of a field `28 × fine` pixels wide.
fn pool_fine(field: &[f32], fine: usize) -> [f32; PIXELS28] {
    let side = SIDE28 * fine;
    let mut out = [0.0f32; PIXELS28];
    for (y, row) in field.chunks_exact(side).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            out[(y / fine) * SIDE28 + x / fine] += v;
        }
    }
    let area = (fine * fine) as f32;
    out.iter_mut().for_each(|v| *v /= area);
    out
}

/// 2×2 average pooling, 28×28 → 14×14 (row-major): output `(r, c)` is the mean of
/// input rows `2r, 2r + 1` × columns `2c, 2c + 1`.
///
/// `x28` should hold 784 values (checked by a debug assertion); in release builds
/// missing values count as 0 and extra ones are ignored.
pub fn pool_2x2(x28: &[f32]) -> [f32; PIXELS14] {
    debug_assert_eq!(x28.len(), PIXELS28, "pool_2x2 needs a 28×28 image");
    let px = |r: usize, c: usize| x28.get(r * SIDE28 + c).copied().unwrap_or(0.0);
    let mut out = [0.0f32; PIXELS14];
    for (i, o) in out.iter_mut().enumerate() {
        let (r, c) = (2 * (i / SIDE14), 2 * (i % SIDE14));
        *o = (px(r, c) + px(r, c + 1) + px(r + 1, c) + px(r + 1, c + 1)) * 0.25;
    }
    out
}

/// [`pool_2x2`] of MNIST bytes: each byte becomes byte / 255, then 2×2 means — exactly
/// `pool_2x2` of the byte / 255 values, so training data (bytes) and drawings (floats)
/// go through the same arithmetic.
///
/// `x28` should hold 784 bytes (checked by a debug assertion); in release builds
/// missing values count as 0 and extra ones are ignored.
pub fn pool_2x2_u8(x28: &[u8]) -> [f32; PIXELS14] {
    debug_assert_eq!(x28.len(), PIXELS28, "pool_2x2_u8 needs a 28×28 image");
    let mut values = [0.0f32; PIXELS28];
    for (v, &b) in values.iter_mut().zip(x28) {
        *v = unit(b);
    }
    pool_2x2(&values)
}

/// A drawing as the network sees it: [`to_mnist28`] then [`pool_2x2`]. `None` if the
/// image is blank.
pub fn preprocess(img: &GrayImage) -> Option<[f32; PIXELS14]> {
    to_mnist28(img).map(|x28| pool_2x2(&x28))
}

/// How a drawing's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 4 bytes per pixel, as `CanvasRenderingContext2D.getImageData` gives them.
    /// Interpreted by [`GrayImage::from_rgba`]: alpha when anything is transparent,
    /// else luminance.
    Rgba,
    /// 1 byte per pixel, the ink (0 = none, 255 = full).
    Alpha,
}

impl PixelFormat {
    /// `"rgba"` or `"alpha"`.
    pub fn parse(name: &str) -> Result<Self, PreprocessError> {
        match name {
            "rgba" => Ok(Self::Rgba),
            "alpha" => Ok(Self::Alpha),
            other => Err(PreprocessError::UnknownFormat(other.to_owned())),
        }
    }

    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            Self::Rgba => 4,
            Self::Alpha => 1,
        }
    }

    /// The name [`PixelFormat::parse`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rgba => "rgba",
            Self::Alpha => "alpha",
        }
    }
}

/// The side of a square image of `bytes` bytes at `channels` bytes per pixel.
fn square_side(bytes: usize, channels: usize) -> Option<usize> {
    if bytes == 0 || !bytes.is_multiple_of(channels) {
        return None;
    }
    let pixels = bytes / channels;
    // The float root is exact for every size a canvas can have; check it anyway.
    let side = (pixels as f64).sqrt().round() as usize;
    (side.checked_mul(side) == Some(pixels)).then_some(side)
}

impl GrayImage {
    /// The bytes of a square drawing (any side) in `format`.
    pub fn from_square(pixels: &[u8], format: PixelFormat) -> Result<Self, PreprocessError> {
        let channels = format.channels();
        let side = square_side(pixels.len(), channels).ok_or(PreprocessError::NotSquare {
            bytes: pixels.len(),
            format: format.name(),
            channels,
        })?;
        match format {
            PixelFormat::Rgba => Self::from_rgba(side, side, pixels),
            PixelFormat::Alpha => {
                let ink = pixels.iter().map(|&b| f32::from(b) / 255.0).collect();
                Self::new(side, side, ink)
            }
        }
    }
}

/// A square drawing's bytes as the network sees them ([`preprocess`]); `None` when it is
/// blank.
pub fn network_input(
    pixels: &[u8],
    format: PixelFormat,
) -> Result<Option<[f32; PIXELS14]>, PreprocessError> {
    Ok(preprocess(&GrayImage::from_square(pixels, format)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- Synthetic digits -------------------------------------------------------

    /// A polyline stroke with round caps and joins, in 28×28 "digit" coordinates
    /// (continuous, pixel `i` covers `[i, i + 1)`).
    struct Stroke {
        points: Vec<(f64, f64)>,
        radius: f64,
    }

    fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
        };
        let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
        (qx * qx + qy * qy).sqrt()
    }

    fn inside(strokes: &[Stroke], p: (f64, f64)) -> bool {
        strokes.iter().any(|s| {
            s.points
                .windows(2)
                .any(|w| segment_distance(p, w[0], w[1]) < s.radius)
        })
    }

    /// Renders `strokes` anti-aliased (8×8 supersampling) on a `width`×`height` canvas,
    /// digit coordinates multiplied by `scale` and then shifted by `offset` pixels.
    fn draw(
        width: usize,
        height: usize,
        scale: f64,
        offset: (f64, f64),
        strokes: &[Stroke],
    ) -> GrayImage {
        const SS: usize = 8;
        // Canvas-space bounding box of the strokes, to skip empty pixels quickly.
        let (mut lx, mut ly, mut hx, mut hy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for s in strokes {
            for &(x, y) in &s.points {
                lx = lx.min(x - s.radius);
                hx = hx.max(x + s.radius);
                ly = ly.min(y - s.radius);
                hy = hy.max(y + s.radius);
            }
        }
        let to_canvas = |v: f64, o: f64| v * scale + o;
        let (lx, hx) = (to_canvas(lx, offset.0) - 1.0, to_canvas(hx, offset.0) + 1.0);
        let (ly, hy) = (to_canvas(ly, offset.1) - 1.0, to_canvas(hy, offset.1) + 1.0);
        let mut ink = vec![0.0f32; width * height];
        for y in 0..height {
            for x in 0..width {
                let (fx, fy) = (x as f64, y as f64);
                if fx < lx || fx > hx || fy < ly || fy > hy {
                    continue;
                }
                let mut hits = 0;
                for j in 0..SS {
                    for i in 0..SS {
                        let cx = fx + (i as f64 + 0.5) / SS as f64;
                        let cy = fy + (j as f64 + 0.5) / SS as f64;
                        let p = ((cx - offset.0) / scale, (cy - offset.1) / scale);
                        if inside(strokes, p) {
                            hits += 1;
                        }
                    }
                }
                ink[y * width + x] = hits as f32 / (SS * SS) as f32;
            }
        }
        GrayImage::new(width, height, ink).expect("valid test image")
    }

    /// Moves `strokes` by whole pixels so that their 28×28 rendering has its centre of
    /// mass within half a pixel of (14, 14), as MNIST's digits (whose box edges stay on
    /// pixel edges).
    fn centred(mut strokes: Vec<Stroke>) -> Vec<Stroke> {
        let img = draw(28, 28, 1.0, (0.0, 0.0), &strokes);
        let (cx, cy) = centre_of_mass(img.ink(), 28);
        let (dx, dy) = ((14.0 - cx).round(), (14.0 - cy).round());
        for p in strokes.iter_mut().flat_map(|s| s.points.iter_mut()) {
            p.0 += dx;
            p.1 += dy;
        }
        strokes
    }

    /// An MNIST-like "7": ink 20 pixels tall (y 4..24 before centring, flat top, round
    /// bottom cap) and 13 wide, strokes 3 pixels thick.
    fn seven() -> Vec<Stroke> {
        centred(vec![Stroke {
            points: vec![(9.0, 5.5), (18.5, 5.5), (12.0, 22.5)],
            radius: 1.5,
        }])
    }

    /// An MNIST-like ring "0": an ellipse with semi-axes 5.5 × 8.3, stroke radius 1.7,
    /// so the ink is 20 pixels tall (y 4..24 before centring) and 14.4 wide.
    fn zero() -> Vec<Stroke> {
        let points = (0..=64)
            .map(|i| {
                let t = i as f64 / 64.0 * std::f64::consts::TAU;
                (14.0 + 5.5 * t.cos(), 14.0 + 8.3 * t.sin())
            })
            .collect();
        centred(vec![Stroke {
            points,
            radius: 1.7,
        }])
    }

    // ---- Measurements -----------------------------------------------------------

    /// Centre of mass of a square image in pixel-index coordinates.
    fn centre_of_mass(values: &[f32], side: usize) -> (f64, f64) {
        let (mut m, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (i, &v) in values.iter().enumerate() {
            let v = f64::from(v);
            m += v;
            sx += v * (i % side) as f64;
            sy += v * (i / side) as f64;
        }
        (sx / m, sy / m)
    }

    /// (width, height) of the bounding box of values above [`INK_FLOOR`].
    fn box_size(values: &[f32], side: usize) -> (usize, usize) {
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        for (i, &v) in values.iter().enumerate() {
            if v > INK_FLOOR {
                x0 = x0.min(i % side);
                x1 = x1.max(i % side);
                y0 = y0.min(i / side);
                y1 = y1.max(i / side);
            }
        }
        assert!(x0 <= x1, "no ink");
        (x1 - x0 + 1, y1 - y0 + 1)
    }

    /// (mean, max) absolute difference.
    fn differences(a: &[f32], b: &[f32]) -> (f32, f32) {
        assert_eq!(a.len(), b.len());
        let diffs: Vec<f32> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
        let max = diffs.iter().fold(0.0f32, |m, &d| m.max(d));
        (diffs.iter().sum::<f32>() / diffs.len() as f32, max)
    }

    fn blank(width: usize, height: usize) -> Vec<f32> {
        vec![0.0; width * height]
    }

    // ---- Blank detection --------------------------------------------------------

    #[test]
    fn blank_canvas_is_none() {
        let img = GrayImage::new(280, 280, blank(280, 280)).unwrap();
        assert_eq!(to_mnist28(&img), None);
        assert_eq!(preprocess(&img), None);
        let transparent = GrayImage::from_alpha(3, 2, &[0; 24]).unwrap();
        assert_eq!(preprocess(&transparent), None);
        let white_paper = GrayImage::from_luma(4, 4, &[255; 16]).unwrap();
        assert_eq!(preprocess(&white_paper), None);
    }

    #[test]
    fn tiny_noise_is_none() {
        // Faint noise everywhere, below the peak threshold.
        let faint: Vec<f32> = (0..280 * 280)
            .map(|i| ((i * 7919) % 97) as f32 / 97.0 * 0.09)
            .collect();
        assert_eq!(preprocess(&GrayImage::new(280, 280, faint).unwrap()), None);

        // A few scattered stray pixels and a 2×2 dot at full ink: mass 4 + 3 < 14.
        let mut dots = blank(280, 280);
        for &(x, y) in &[(10, 10), (200, 31), (77, 250)] {
            dots[y * 280 + x] = 1.0;
        }
        for &(x, y) in &[(140, 140), (141, 140), (140, 141), (141, 141)] {
            dots[y * 280 + x] = 1.0;
        }
        assert_eq!(preprocess(&GrayImage::new(280, 280, dots).unwrap()), None);
    }

    #[test]
    fn real_thin_strokes_are_not_blank() {
        // A one-pixel-wide "1" 100 pixels tall on a 280×280 canvas (mass 100 ≫ 14).
        let mut one = blank(280, 280);
        for y in 90..190 {
            one[y * 280 + 140] = 1.0;
        }
        assert!(preprocess(&GrayImage::new(280, 280, one).unwrap()).is_some());
        // A faint (0.3) one-pixel stroke 12 pixels long on a 28×28 image.
        let mut faint = blank(28, 28);
        for x in 8..20 {
            faint[14 * 28 + x] = 0.3;
        }
        let x28 = to_mnist28(&GrayImage::new(28, 28, faint).unwrap()).unwrap();
        assert!((x28.iter().fold(0.0f32, |m, &v| m.max(v)) - 1.0).abs() < 1e-6);
    }

    // ---- The recipe -------------------------------------------------------------

    /// Faint background (e.g. grey paper, 0.04 everywhere) is at or below the ink
    /// floor: it neither widens the bounding box nor moves the centre of mass. Only
    /// the digit's faintest anti-aliasing (ink 0.01–0.05 lifted above the floor)
    /// changes.
    #[test]
    fn faint_background_is_ignored() {
        let clean = draw(280, 280, 5.0, (20.0, 100.0), &seven());
        let grey: Vec<f32> = clean.ink().iter().map(|v| v + 0.04).collect();
        let a = preprocess(&clean).unwrap();
        let b = preprocess(&GrayImage::new(280, 280, grey).unwrap()).unwrap();
        let (mean, max) = differences(&a, &b);
        assert!(mean < 0.01 && max < 0.05, "mean {mean}, max {max}");
    }

    /// The synthetic digits are MNIST-like: box 20 tall, centred within half a pixel.
    #[test]
    fn synthetic_digits_are_mnist_like() {
        for digit in [seven(), zero()] {
            let img = draw(28, 28, 1.0, (0.0, 0.0), &digit);
            let (w, h) = box_size(img.ink(), 28);
            assert_eq!(h, 20, "box {w}×{h}");
            let (cx, cy) = centre_of_mass(img.ink(), 28);
            assert!(
                (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
                "{cx}, {cy}"
            );
        }
    }

    /// A 28×28 digit with a 20-pixel box and its centre of mass exactly on (14, 14)
    /// is already what MNIST's recipe makes: it comes back unchanged (scale 1, no
    /// shift, so the resampling is the identity).
    #[test]
    fn centred_mnist_digit_is_unchanged() {
        // A bar 3 columns wide (13..=15, centre 14) and 20 rows tall (4..=23) whose
        // rows weigh 9/19 except the last at 1: Σ w (y − 14) = 9 − 19 × 9/19 = 0.
        let mut ink = blank(28, 28);
        for y in 4..=23 {
            for x in 13..=15 {
                ink[y * 28 + x] = if y == 23 { 1.0 } else { 9.0 / 19.0 };
            }
        }
        let img = GrayImage::new(28, 28, ink).unwrap();
        let x28 = to_mnist28(&img).unwrap();
        let (_, max) = differences(&x28, img.ink());
        assert!(max < 1e-5, "max difference {max}");
    }

    /// An MNIST-like digit (box 20, centre of mass within half a pixel of (14, 14))
    /// comes back nearly unchanged: only the sub-pixel shift of its centre of mass
    /// onto (14, 14). The test "0" is the worst case, half a pixel off along both
    /// axes, where the shift averages each pixel with three neighbours; that blurs
    /// the edges of its 3–4 pixel strokes, ~0.05 on average after pooling.
    #[test]
    fn mnist_like_digit_is_nearly_unchanged() {
        for digit in [seven(), zero()] {
            let img = draw(28, 28, 1.0, (0.0, 0.0), &digit);
            let x28 = to_mnist28(&img).unwrap();
            let (mean, _) = differences(&pool_2x2(&x28), &pool_2x2(img.ink()));
            assert!(mean < 0.07, "mean difference {mean}");
        }
    }

    /// The same digit drawn large and off-centre on a 280×280 canvas gives (nearly)
    /// the same 14×14 as the original 28×28.
    ///
    /// Bounds: both go through the same geometry, up to two resampling effects.
    /// (a) The canvas's bounding box may gain a pixel of faint anti-aliasing: a scale
    /// error ≤ 1/60 (a 60+ pixel box), which moves the far end of a 20-pixel digit by
    /// ≤ 0.2 px and so an edge pixel's ink by ≤ 0.2. (b) The original's pixels are
    /// coarse: shifting them by a sub-pixel amount interpolates coverage linearly,
    /// which is exact for axis-aligned edges, while the true coverage of slanted and
    /// curved edges varies quadratically with the shift, off by at most 1/8 (the
    /// midpoint error of linear interpolation of a parabola of curvature ≤ 1). Errors
    /// occur only at stroke edges and have mixed signs, and 2×2 pooling averages four
    /// pixels, so 0.2 bounds the pooled maximum; the mean (measured ~0.003–0.018)
    /// must stay below 0.03.
    #[test]
    fn scaled_and_shifted_digit_matches_original() {
        for (name, digit) in [("7", seven()), ("0", zero())] {
            let reference = preprocess(&draw(28, 28, 1.0, (0.0, 0.0), &digit)).unwrap();
            for (scale, offset) in [
                (5.0, (20.0, 100.0)),
                (3.0, (170.0, 15.0)),
                (7.3, (60.4, 37.7)),
                (3.6, (3.2, 180.9)),
            ] {
                let canvas = draw(280, 280, scale, offset, &digit);
                let x14 = preprocess(&canvas).unwrap();
                let (mean, max) = differences(&x14, &reference);
                assert!(
                    mean < 0.03 && max < 0.2,
                    "{name} ×{scale} at {offset:?}: mean {mean}, max {max}"
                );
            }
        }
    }

    /// Two large renderings (both of which resolve the strokes finely) agree closely.
    #[test]
    fn large_renderings_agree() {
        for digit in [seven(), zero()] {
            let a = to_mnist28(&draw(280, 280, 5.0, (20.0, 100.0), &digit)).unwrap();
            let b = to_mnist28(&draw(280, 280, 8.1, (40.3, 50.6), &digit)).unwrap();
            // Both strokes are near the thick end of MNIST's widths: one rendering may
            // be thinned a little (its edges redrawn from distances, then fitted again)
            // and the other not, which moves edge pixels by up to a third of a pixel:
            // 0.36 at most after pooling (measured), 0.02 on average.
            let (mean, max) = differences(&a, &b);
            assert!(mean < 0.03 && max < 0.4, "mean {mean}, max {max}");
        }
    }

    /// A digit drawn smaller than 20 pixels is enlarged (bilinear) to about the same.
    #[test]
    fn small_digit_is_enlarged() {
        let digit = seven();
        let reference = preprocess(&draw(28, 28, 1.0, (0.0, 0.0), &digit)).unwrap();
        let small = draw(40, 40, 0.75, (9.3, 2.1), &digit);
        let x28 = to_mnist28(&small).unwrap();
        let (_, h) = box_size(&x28, 28);
        assert!((19..=22).contains(&h), "height {h}");
        let (mean, _) = differences(&pool_2x2(&x28), &reference);
        assert!(mean < 0.06, "mean difference {mean}");
    }

    #[test]
    fn centre_of_mass_is_at_14_14() {
        for digit in [seven(), zero()] {
            for (scale, offset) in [(1.0, (0.0, 0.0)), (5.0, (20.0, 100.0)), (7.3, (60.4, 37.7))] {
                let x28 = to_mnist28(&draw(280, 280, scale, offset, &digit)).unwrap();
                let (cx, cy) = centre_of_mass(&x28, 28);
                assert!(
                    (cx - 14.0).abs() < 0.5 && (cy - 14.0).abs() < 0.5,
                    "centre of mass ({cx}, {cy})"
                );
            }
        }
        // A lopsided shape: an "L" with most of its mass on the bottom bar.
        let ell = [Stroke {
            points: vec![(5.0, 2.0), (5.0, 25.0), (25.0, 25.0)],
            radius: 2.0,
        }];
        let x28 = to_mnist28(&draw(200, 120, 4.0, (10.0, 5.0), &ell)).unwrap();
        let (cx, cy) = centre_of_mass(&x28, 28);
        assert!(
            (cx - 14.0).abs() < 0.5 && (cy - 14.0).abs() < 0.5,
            "({cx}, {cy})"
        );
    }

    #[test]
    fn tall_digit_box_is_20() {
        for digit in [seven(), zero()] {
            for (scale, offset) in [(5.0, (20.0, 100.0)), (3.6, (3.2, 180.9))] {
                let x28 = to_mnist28(&draw(280, 280, scale, offset, &digit)).unwrap();
                let (w, h) = box_size(&x28, 28);
                assert!((19..=21).contains(&h), "box {w}×{h}");
                assert!(w < h, "box {w}×{h}");
            }
        }
    }

    #[test]
    fn wide_shape_box_is_20_wide() {
        let dash = [Stroke {
            points: vec![(2.0, 10.0), (26.0, 12.0)],
            radius: 1.5,
        }];
        let x28 = to_mnist28(&draw(300, 200, 6.0, (30.0, 20.0), &dash)).unwrap();
        let (w, h) = box_size(&x28, 28);
        assert!((19..=21).contains(&w) && h <= 5, "box {w}×{h}");
    }

    #[test]
    fn thin_vertical_bar_keeps_its_aspect_and_gets_mnist_width() {
        // 6 × 200 pixels on a 280×280 canvas → 0.6 × 20 after scaling, then brought to
        // MNIST's narrowest usual width (2 pixels): 2–3 columns, still 20 tall.
        let mut bar = blank(280, 280);
        for y in 40..240 {
            for x in 130..136 {
                bar[y * 280 + x] = 1.0;
            }
        }
        let x28 = to_mnist28(&GrayImage::new(280, 280, bar).unwrap()).unwrap();
        let (w, h) = box_size(&x28, 28);
        assert!((2..=3).contains(&w), "a thin bar became {w} wide");
        assert!((19..=21).contains(&h), "height {h}");
        // Its mass is that of a 1.5–2.5 px wide line (31 measured; 12 before the
        // width is normalised), not a 20×20 blob. A stroke one fine pixel wide counts as
        // two (the estimate's resolution), so very thin strokes fall a little short.
        let mass: f32 = x28.iter().sum();
        assert!((28.0..50.0).contains(&mass), "mass {mass}");
        let (cx, cy) = centre_of_mass(&x28, 28);
        assert!((cx - 14.0).abs() < 0.5 && (cy - 14.0).abs() < 0.5);
    }

    /// The same digit drawn on a 280×280 canvas with a thin, an MNIST-like and a thick
    /// pen comes out with about the same ink: the strokes are brought to MNIST's width.
    /// (Without it, the 28×28 masses differ 3.4-fold: 47, 70 and 160 for the 7.)
    #[test]
    fn thick_and_thin_pens_come_out_alike() {
        for digit in [seven(), zero()] {
            let with_radius = |radius: f64| -> Vec<Stroke> {
                digit
                    .iter()
                    .map(|s| Stroke {
                        points: s.points.clone(),
                        radius,
                    })
                    .collect()
            };
            let pen = |radius| {
                to_mnist28(&draw(280, 280, 8.0, (30.0, 20.0), &with_radius(radius))).unwrap()
            };
            let reference = pen(1.3);
            let mass = |x: &[f32]| x.iter().sum::<f32>();
            for radius in [0.6, 3.5] {
                let x28 = pen(radius);
                let ratio = mass(&x28) / mass(&reference);
                assert!(
                    (0.75..1.35).contains(&ratio),
                    "radius {radius}: mass ratio {ratio}"
                );
                let (mean, _) = differences(&pool_2x2(&x28), &pool_2x2(&reference));
                assert!(mean < 0.06, "radius {radius}: mean difference {mean}");
            }
        }
    }

    #[test]
    fn outputs_are_in_unit_range() {
        let x28 = to_mnist28(&draw(280, 280, 9.0, (5.0, 5.0), &zero())).unwrap();
        assert!(x28.iter().all(|v| (0.0..=1.0).contains(v)));
        let peak = x28.iter().fold(0.0f32, |m, &v| m.max(v));
        assert!((peak - 1.0).abs() < 1e-6);
    }

    // ---- Pooling ----------------------------------------------------------------

    #[test]
    fn pool_2x2_exact_values() {
        let mut x = [0.0f32; PIXELS28];
        // Block (0, 0): rows 0-1, columns 0-1.
        x[0] = 0.0;
        x[1] = 1.0;
        x[28] = 0.5;
        x[29] = 0.25;
        // Block (6, 13): rows 12-13, columns 26-27.
        x[12 * 28 + 26] = 1.0;
        x[12 * 28 + 27] = 1.0;
        x[13 * 28 + 26] = 1.0;
        x[13 * 28 + 27] = 0.0;
        // Block (13, 0): rows 26-27, columns 0-1.
        x[26 * 28] = 0.125;
        let y = pool_2x2(&x);
        assert_eq!(y[0], 0.4375);
        assert_eq!(y[6 * 14 + 13], 0.75);
        assert_eq!(y[13 * 14], 0.03125);
        let others = y
            .iter()
            .enumerate()
            .filter(|&(i, _)| ![0, 6 * 14 + 13, 13 * 14].contains(&i));
        assert!(others.into_iter().all(|(_, &v)| v == 0.0));
    }

    #[test]
    fn pool_2x2_u8_is_mean_of_byte_fractions() {
        let mut bytes = [0u8; PIXELS28];
        bytes[0] = 255;
        bytes[1] = 0;
        bytes[28] = 51;
        bytes[29] = 102;
        let y = pool_2x2_u8(&bytes);
        // (1 + 0 + 0.2 + 0.4) / 4
        assert!((y[0] - 0.4).abs() < 1e-7, "{}", y[0]);
        // And bit-for-bit what pool_2x2 gives on the byte / 255 values.
        let bytes: Vec<u8> = (0..PIXELS28).map(|i| ((i * 37 + 11) % 256) as u8).collect();
        let floats: Vec<f32> = bytes.iter().map(|&b| f32::from(b) / 255.0).collect();
        assert_eq!(pool_2x2_u8(&bytes), pool_2x2(&floats));
        let a = f32::from(bytes[2 * 28 + 4]) / 255.0;
        let b = f32::from(bytes[2 * 28 + 5]) / 255.0;
        let c = f32::from(bytes[3 * 28 + 4]) / 255.0;
        let d = f32::from(bytes[3 * 28 + 5]) / 255.0;
        assert_eq!(pool_2x2_u8(&bytes)[14 + 2], (a + b + c + d) * 0.25);
    }

    // ---- Constructors -----------------------------------------------------------

    #[test]
    fn from_luma_inverts_dark_on_white() {
        let mut luma = [255u8; 9];
        luma[4] = 0;
        let img = GrayImage::from_luma(3, 3, &luma).unwrap();
        assert_eq!(img.at(1, 1), 1.0);
        assert_eq!(img.at(0, 0), 0.0);
        assert_eq!(img.get(2, 2), Some(0.0));
        assert_eq!(img.get(3, 0), None);

        // MNIST style (white on black) is kept.
        let mut luma = [0u8; 9];
        luma[4] = 255;
        luma[3] = 51;
        let img = GrayImage::from_luma(3, 3, &luma).unwrap();
        assert_eq!(img.at(1, 1), 1.0);
        assert!((img.at(0, 1) - 0.2).abs() < 1e-7);

        // Dark-on-white and white-on-black versions of a digit preprocess alike.
        let digit = draw(56, 56, 2.0, (0.0, 0.0), &seven());
        let bytes: Vec<u8> = digit
            .ink()
            .iter()
            .map(|&v| (v * 255.0).round() as u8)
            .collect();
        let inverted: Vec<u8> = bytes.iter().map(|&b| 255 - b).collect();
        let a = preprocess(&GrayImage::from_luma(56, 56, &bytes).unwrap()).unwrap();
        let b = preprocess(&GrayImage::from_luma(56, 56, &inverted).unwrap()).unwrap();
        let (_, max) = differences(&a, &b);
        assert!(max < 1e-5, "max difference {max}");
    }

    #[test]
    fn from_alpha_uses_alpha() {
        // Black, white and red pixels: only alpha matters.
        let rgba = [
            0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 0, 51, 10, 20, 30, 128,
        ];
        let img = GrayImage::from_alpha(2, 2, &rgba).unwrap();
        assert_eq!(img.ink(), &[1.0, 0.0, 0.2, 128.0 / 255.0]);
    }

    #[test]
    fn from_rgba_picks_alpha_or_luma() {
        // With transparency: alpha.
        let rgba = [0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0];
        let img = GrayImage::from_rgba(2, 2, &rgba).unwrap();
        assert_eq!(img.ink(), &[0.0, 1.0, 0.0, 0.0]);

        // Opaque, black ink on white paper: inverted luminance.
        let mut rgba = Vec::new();
        for i in 0..9 {
            let v = if i == 4 { 0 } else { 255 };
            rgba.extend_from_slice(&[v, v, v, 255]);
        }
        let img = GrayImage::from_rgba(3, 3, &rgba).unwrap();
        assert!((img.at(1, 1) - 1.0).abs() < 1e-6);
        assert!(img.at(0, 0).abs() < 1e-6);

        // Opaque, light ink on black: luminance as is (pure green = 0.587).
        let mut rgba = [0, 0, 0, 255].repeat(9);
        rgba[16..20].copy_from_slice(&[0, 255, 0, 255]);
        let img = GrayImage::from_rgba(3, 3, &rgba).unwrap();
        assert!((img.at(1, 1) - 0.587).abs() < 1e-6);
    }

    #[test]
    fn size_errors() {
        assert_eq!(
            GrayImage::from_alpha(2, 2, &[0; 15]),
            Err(PreprocessError::SizeMismatch {
                width: 2,
                height: 2,
                expected: 16,
                got: 15
            })
        );
        assert_eq!(
            GrayImage::from_rgba(2, 3, &[0; 6]),
            Err(PreprocessError::SizeMismatch {
                width: 2,
                height: 3,
                expected: 24,
                got: 6
            })
        );
        assert_eq!(
            GrayImage::from_luma(3, 3, &[0; 10]),
            Err(PreprocessError::SizeMismatch {
                width: 3,
                height: 3,
                expected: 9,
                got: 10
            })
        );
        assert_eq!(
            GrayImage::new(2, 2, vec![0.0; 3]),
            Err(PreprocessError::SizeMismatch {
                width: 2,
                height: 2,
                expected: 4,
                got: 3
            })
        );
        assert_eq!(
            GrayImage::from_luma(0, 3, &[]),
            Err(PreprocessError::Empty {
                width: 0,
                height: 3
            })
        );
        assert_eq!(
            GrayImage::from_alpha(4, 0, &[]),
            Err(PreprocessError::Empty {
                width: 4,
                height: 0
            })
        );
        // Overflowing sizes are an error, not a panic.
        assert!(matches!(
            GrayImage::from_rgba(usize::MAX, 2, &[0; 8]),
            Err(PreprocessError::SizeMismatch {
                expected: usize::MAX,
                ..
            })
        ));
    }

    #[test]
    fn new_clamps_and_cleans() {
        let img = GrayImage::new(2, 2, vec![-1.0, 2.0, f32::NAN, 0.5]).unwrap();
        assert_eq!(img.ink(), &[0.0, 1.0, 0.0, 0.5]);
    }

    #[test]
    fn square_drawings_in_either_format() {
        assert_eq!(square_side(16 * 4, 4), Some(4));
        assert_eq!(square_side(0, 4), None);
        assert_eq!(square_side(15, 4), None);
        assert_eq!(square_side(12 * 4, 4), None);
        assert_eq!(PixelFormat::parse("alpha"), Ok(PixelFormat::Alpha));
        let e = PixelFormat::parse("RGBA").unwrap_err().to_string();
        assert!(
            e.starts_with("unknown pixel format \"RGBA\": use \"rgba\""),
            "{e}"
        );
        let e = network_input(&[0; 12], PixelFormat::Rgba).unwrap_err();
        assert_eq!(
            e,
            PreprocessError::NotSquare {
                bytes: 12,
                format: "rgba",
                channels: 4
            }
        );
        assert!(e.to_string().contains("send the whole square canvas"));
        // A stroke on a transparent canvas reads the same in both formats; blank is None.
        let mut alpha = vec![0u8; 28 * 28];
        for y in 6..22 {
            alpha[y * 28 + 13] = 255;
            alpha[y * 28 + 14] = 200;
        }
        let rgba: Vec<u8> = alpha.iter().flat_map(|&a| [0, 0, 0, a]).collect();
        let from_alpha = network_input(&alpha, PixelFormat::Alpha).unwrap();
        assert!(from_alpha.is_some());
        assert_eq!(from_alpha, network_input(&rgba, PixelFormat::Rgba).unwrap());
        assert_eq!(network_input(&[0; 28 * 28], PixelFormat::Alpha), Ok(None));
    }
}
