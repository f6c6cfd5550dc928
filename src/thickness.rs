//! Stroke thickness: how wide a drawing's strokes are, and bringing them to MNIST's.
//!
//! A digit drawn small with the page's pen (a fixed fraction of the pad) has strokes
//! up to twice as thick as MNIST's once it is scaled into MNIST's 20-pixel box; loops
//! close up and the network misreads it. [`to_mnist28`](crate::preprocess::to_mnist28)
//! therefore fits the drawing into a field `fine` times finer than MNIST's 28×28
//! (when the drawing has that much resolution), and this module
//!
//! 1. estimates the stroke width there ([`estimate`]): inside a band of width `w` the
//!    distance from a pixel to the nearest background pixel is uniform from 0.5 to
//!    about `w / 2 + 0.5`, so `w ≈ 4 × (mean distance − 0.5)` over the ink — the ink
//!    area over the centre line's length, without finding the centre line;
//! 2. if that width, in MNIST pixels, lies outside [`MNIST_WIDTH`] (the widths of most
//!    MNIST digits), moves every stroke edge in or out by the same distance
//!    ([`normalise`]: a Euclidean erosion or dilation through the signed distance to the
//!    stroke's edge), so the width lands on the nearer end of that range. A drawing
//!    made with one round pen stays a drawing made with one round pen, only thinner or
//!    thicker; drawings already MNIST-like are left as they are.
//!
//! Distances are exact Euclidean distance transforms (Felzenszwalb & Huttenlocher's
//! lower envelope of parabolas, one pass per column then per row): linear in the
//! field's pixels, about 0.1 ms for the largest field (112×112). Plain arithmetic on
//! slices; no threads, files or clocks.

/// The stroke widths, in MNIST (28×28) pixels, that are left alone: measured with
/// [`estimate`] on the 55,000 training digits of MNIST enlarged 4× (bilinear), the
/// 20th and 80th percentiles (1.98 and 3.13; the median is 2.48). A drawing with thinner or thicker strokes is brought to
/// the nearer end.
pub const MNIST_WIDTH: (f32, f32) = (2.0, 3.1);

/// Pixels whose ink is at least this are inside a stroke (the middle of an
/// anti-aliased edge, where the geometric edge is).
const INSIDE: f32 = 0.5;

/// Stands for "no such pixel" in squared distances (far beyond any field's diagonal).
const FAR: f32 = 1e7;

/// The squared distance along one line from each position to the nearest site, where
/// `f` holds each position's squared distance found so far ([`FAR`]: none): the lower
/// envelope of the parabolas `(q − p)² + f[p]`. `v` and `z` are scratch of `f.len()`
/// and `f.len() + 1` entries.
fn envelope(f: &[f32], out: &mut [f32], v: &mut [usize], z: &mut [f32]) {
    let n = f.len();
    if n == 0 {
        return;
    }
    let mut k = 0usize;
    v[0] = 0;
    z[0] = f32::NEG_INFINITY;
    z[1] = f32::INFINITY;
    for q in 1..n {
        let qf = q as f32;
        let meet = |p: usize| {
            let pf = p as f32;
            ((f[q] + qf * qf) - (f[p] + pf * pf)) / (2.0 * (qf - pf))
        };
        // z[0] is −∞ and every value is finite, so k never goes below 0.
        let mut s = meet(v[k]);
        while s <= z[k] {
            k -= 1;
            s = meet(v[k]);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f32::INFINITY;
    }
    k = 0;
    for (q, o) in out.iter_mut().enumerate() {
        let qf = q as f32;
        while z[k + 1] < qf {
            k += 1;
        }
        let p = v[k] as f32;
        *o = (qf - p) * (qf - p) + f[v[k]];
    }
}

/// The part of a square field around its strokes: the pixels inside a stroke
/// (ink ≥ [`INSIDE`]) of the rectangle `x0..x0 + w` × `y0..y0 + h`, row-major.
struct Window {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    inside: Vec<bool>,
}

impl Window {
    /// The box of the pixels inside a stroke, `margin` pixels wider on each side (within
    /// the field); `None` if no pixel is inside a stroke.
    fn around(ink: &[f32], side: usize, margin: usize) -> Option<Self> {
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        for (y, row) in ink.chunks_exact(side).enumerate() {
            for (x, _) in row.iter().enumerate().filter(|(_, &v)| v >= INSIDE) {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
        if x0 > x1 {
            return None;
        }
        let (x0, y0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
        let (x1, y1) = ((x1 + margin).min(side - 1), (y1 + margin).min(side - 1));
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        let mut inside = Vec::with_capacity(w * h);
        for row in ink.chunks_exact(side).skip(y0).take(h) {
            inside.extend(row[x0..=x1].iter().map(|&v| v >= INSIDE));
        }
        Some(Self {
            x0,
            y0,
            w,
            h,
            inside,
        })
    }

    /// Euclidean distance from every pixel of the window to the nearest pixel of the
    /// window that is (`target` true) or is not inside a stroke, between pixel centres;
    /// about [`FAR`]'s root where there is none. First each column's distances (two
    /// sweeps), then the rows' lower envelopes.
    fn distances(&self, target: bool) -> Vec<f32> {
        let (w, h) = (self.w, self.h);
        let mut grid = vec![FAR; w * h];
        for x in 0..w {
            let mut last: Option<usize> = None;
            for y in 0..h {
                if self.inside[y * w + x] == target {
                    last = Some(y);
                }
                if let Some(l) = last {
                    grid[y * w + x] = ((y - l) * (y - l)) as f32;
                }
            }
            last = None;
            for y in (0..h).rev() {
                if self.inside[y * w + x] == target {
                    last = Some(y);
                }
                if let Some(l) = last {
                    let d = ((l - y) * (l - y)) as f32;
                    let g = &mut grid[y * w + x];
                    *g = g.min(d);
                }
            }
        }
        let mut line = vec![0.0; w];
        let (mut v, mut z) = (vec![0usize; w], vec![0.0; w + 1]);
        for row in grid.chunks_exact_mut(w) {
            line.copy_from_slice(row);
            envelope(&line, row, &mut v, &mut z);
        }
        grid.into_iter().map(f32::sqrt).collect()
    }

    /// [`estimate`] in the window's pixels, with the inner distances.
    fn width(&self) -> Option<(f32, Vec<f32>)> {
        let inner = self.distances(false);
        let (sum, count) = self
            .inside
            .iter()
            .zip(&inner)
            .filter(|(&m, _)| m)
            .fold((0.0f64, 0usize), |(s, c), (_, &d)| {
                (s + f64::from(d), c + 1)
            });
        (count > 0).then(|| ((4.0 * (sum / count as f64 - 0.5)).max(0.0) as f32, inner))
    }
}

/// The stroke width of the ink in a `side`×`side` field (row-major, in [0, 1]), in the
/// field's pixels: 4 × (mean distance of the pixels inside a stroke to the nearest
/// pixel outside − 0.5). `None` if no pixel is inside a stroke.
pub fn estimate(ink: &[f32], side: usize) -> Option<f32> {
    Window::around(ink, side, 1)?.width().map(|(w, _)| w)
}

/// A stroke width before and after [`normalise`], in MNIST pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Widths {
    pub before: f32,
    pub after: f32,
}

impl Widths {
    /// Whether the strokes were thinned or thickened.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Brings the strokes of a `side`×`side` field (row-major ink in [0, 1]), which has
/// `fine` pixels per MNIST pixel and whose ink's box has a larger side of `box_side`
/// MNIST pixels, to a width within [`MNIST_WIDTH`] once its box is fitted to `box_side`
/// again: if [`estimate`] (in MNIST pixels) is outside it, every stroke edge moves by
/// half the difference to the nearer end (adjusted for the box's own change), and the
/// field becomes that eroded or dilated shape, with a one-pixel anti-aliased edge. Returns the width before and after, in MNIST pixels (`None`: no
/// ink inside a stroke); an MNIST-like field (the two equal) is unchanged.
pub fn normalise(ink: &mut [f32], side: usize, fine: usize, box_side: f32) -> Option<Widths> {
    let window = Window::around(ink, side, 1)?;
    let (width, inner) = window.width()?;
    let width = width / fine as f32;
    let target = width.clamp(MNIST_WIDTH.0, MNIST_WIDTH.1);
    let widths = Widths {
        before: width,
        after: target,
    };
    if !widths.changed() {
        return Some(widths);
    }
    // The box grows (or shrinks) with the strokes, by about the change of width, and
    // is then fitted to `box_side` again: aim at the width that the fit makes `target`.
    let aimed = target * (box_side - width) / (box_side - target);
    // Half the width change, in field pixels: how far each edge moves out (< 0: in).
    let shift = (aimed - width) * 0.5 * fine as f32;
    // The ink within the signed distance `signed` of the edge (> 0 inside).
    let coverage = |signed: f32| (signed + shift + 0.5).clamp(0.0, 1.0);
    if shift < 0.0 {
        // Thinner: only pixels inside a stroke keep ink.
        ink.iter_mut().for_each(|v| *v = 0.0);
        for (i, d) in inner.iter().enumerate() {
            if window.inside[i] {
                let (x, y) = (window.x0 + i % window.w, window.y0 + i / window.w);
                ink[y * side + x] = coverage(d - 0.5);
            }
        }
    } else {
        // Thicker: pixels within the shift of a stroke gain ink.
        let window = Window::around(ink, side, shift.ceil() as usize + 1)?;
        let outer = window.distances(true);
        ink.iter_mut().for_each(|v| *v = 0.0);
        for (i, d) in outer.iter().enumerate() {
            let (x, y) = (window.x0 + i % window.w, window.y0 + i / window.w);
            ink[y * side + x] = if window.inside[i] {
                1.0
            } else {
                coverage(0.5 - d)
            };
        }
    }
    Some(widths)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: the distance from each pixel to the nearest pixel of `target`.
    fn slow_distances(mask: &[bool], side: usize, target: bool) -> Vec<f32> {
        (0..side * side)
            .map(|i| {
                let (x, y) = ((i % side) as f32, (i / side) as f32);
                (0..side * side)
                    .filter(|&j| mask[j] == target)
                    .map(|j| {
                        let (u, w) = ((j % side) as f32, (j / side) as f32);
                        ((x - u).powi(2) + (y - w).powi(2)).sqrt()
                    })
                    .fold(f32::INFINITY, f32::min)
            })
            .collect()
    }

    #[test]
    fn distances_are_exact() {
        let mut rng = crate::rng::Rng::new(5);
        for side in [1, 2, 7, 16] {
            for density in [0.05, 0.3, 0.8] {
                let mask: Vec<bool> = (0..side * side).map(|_| rng.next_f32() < density).collect();
                for target in [false, true] {
                    if !mask.contains(&target) {
                        continue;
                    }
                    let window = Window {
                        x0: 0,
                        y0: 0,
                        w: side,
                        h: side,
                        inside: mask.clone(),
                    };
                    let fast = window.distances(target);
                    let slow = slow_distances(&mask, side, target);
                    for (f, s) in fast.iter().zip(&slow) {
                        assert!((f - s).abs() < 1e-4, "side {side}: {f} vs {s}");
                    }
                }
            }
        }
    }

    /// A `side`×`side` field with a vertical and a horizontal bar of width `w` (pixel
    /// rows and columns fully inked) forming an "L".
    fn ell(side: usize, w: usize) -> Vec<f32> {
        let mut ink = vec![0.0; side * side];
        for y in 10..side - 10 {
            for x in 20..20 + w {
                ink[y * side + x] = 1.0;
            }
        }
        for y in side - 10 - w..side - 10 {
            for x in 20..side - 20 {
                ink[y * side + x] = 1.0;
            }
        }
        ink
    }

    #[test]
    fn estimate_measures_the_bar_width() {
        for w in [2, 4, 7, 12, 20] {
            let est = estimate(&ell(112, w), 112).unwrap();
            // Exact for an endless bar; the ends and the corner add a little.
            assert!(
                (est - w as f32).abs() <= 0.12 * w as f32 + 0.3,
                "{w}: {est}"
            );
        }
        assert_eq!(estimate(&[0.0; 16], 4), None);
    }

    #[test]
    fn normalise_thins_thick_and_thickens_thin_strokes_only() {
        let fine = 4;
        // Thick: 20 field pixels = 5 MNIST pixels → MNIST_WIDTH.1.
        let mut ink = ell(112, 20);
        let widths = normalise(&mut ink, 112, fine, 1e9).unwrap();
        assert_eq!(widths.before, estimate(&ell(112, 20), 112).unwrap() / 4.0);
        assert_eq!(widths.after, MNIST_WIDTH.1);
        assert!(widths.changed());
        let after = estimate(&ink, 112).unwrap() / fine as f32;
        assert!((after - MNIST_WIDTH.1).abs() < 0.35, "thick → {after}");
        // Thin: 4 field pixels = 1 MNIST pixel → MNIST_WIDTH.0.
        let mut ink = ell(112, 4);
        normalise(&mut ink, 112, fine, 1e9);
        let after = estimate(&ink, 112).unwrap() / fine as f32;
        assert!((after - MNIST_WIDTH.0).abs() < 0.35, "thin → {after}");
        // MNIST-like: 10 field pixels = 2.5 MNIST pixels: untouched.
        let original = ell(112, 10);
        let mut ink = original.clone();
        assert!(!normalise(&mut ink, 112, fine, 1e9).unwrap().changed());
        assert_eq!(ink, original);
        // Blank: untouched.
        let mut blank = vec![0.0; 64];
        assert_eq!(normalise(&mut blank, 8, 1, 1e9), None);
        assert!(blank.iter().all(|&v| v == 0.0));
    }
}
