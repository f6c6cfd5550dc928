//! Stage 3 of [`super`]: the stroke segments get a random pen and pose
//! ([`StrokeStyle`]) on a square canvas and are painted with a round, anti-aliased
//! brush.

use super::geometry::{Point, Segment};
use crate::rng::Rng;

/// How a digit is redrawn: the canvas and the ranges its random pen and placement
/// come from. Each range is sampled uniformly, once per digit.
#[derive(Debug, Clone, PartialEq)]
pub struct StrokeStyle {
    /// Side of the square canvas in pixels (the page's is 280).
    pub canvas: usize,
    /// Smallest brush diameter, as a fraction of the canvas side.
    pub brush_min: f32,
    /// Largest brush diameter, as a fraction of the canvas side.
    pub brush_max: f32,
    /// Smallest digit height: the height of the transformed skeleton's bounding box
    /// (stroke centre lines, so the ink is about one brush diameter taller), as a
    /// fraction of the canvas side.
    pub size_min: f32,
    /// Largest digit height, as for `size_min`. Whatever the size drawn, a digit (with
    /// its brush) that would not fit in the canvas is shrunk until it does.
    pub size_max: f32,
    /// Rotation is uniform in ±this many degrees.
    pub max_rotation_deg: f32,
    /// Horizontal shear (slant) is uniform in ±this: x moves by `shear × height below
    /// the digit's centre`, so 0.15 leans it about 8.5° left or right.
    pub max_shear: f32,
}

impl Default for StrokeStyle {
    /// The page, as people draw on it: a 280×280 canvas; brush 1/20–1/8 of it (the
    /// page's own pen is 1/12; the pad is shown at any size); digits 15–90 % of the
    /// canvas tall, from a small mouse drawing in a corner to one filling the pad; up to
    /// ±10° rotation and ±0.25 shear on top of MNIST's own slants.
    fn default() -> Self {
        Self {
            canvas: 280,
            brush_min: 1.0 / 20.0,
            brush_max: 1.0 / 8.0,
            size_min: 0.15,
            size_max: 0.90,
            max_rotation_deg: 10.0,
            max_shear: 0.25,
        }
    }
}

/// The x-interval where the row of height `cy` crosses the capsule of points within
/// `reach` of segment `a`–`b` (empty: `lo > hi`). The capsule is convex, so the
/// crossing is one interval: the hull of where the row crosses the two end discs
/// and the band between them.
fn capsule_row(a: Point, b: Point, reach: f32, cy: f32) -> (f32, f32) {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    let reach2 = reach * reach;
    for c in [a, b] {
        let h2 = reach2 - (cy - c.1) * (cy - c.1);
        if h2 > 0.0 {
            let h = h2.sqrt();
            lo = lo.min(c.0 - h);
            hi = hi.max(c.0 + h);
        }
    }
    // The band: points whose projection falls on the segment and whose distance
    // from its line is below `reach`. A horizontal segment's band is covered by its
    // discs' hull.
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    if dy != 0.0 {
        let len = (dx * dx + dy * dy).sqrt();
        let ry = cy - a.1;
        // |(x − ax)·dy − ry·dx| < reach·len
        let (p, q) = (
            a.0 + (ry * dx - reach * len) / dy,
            a.0 + (ry * dx + reach * len) / dy,
        );
        let (mut band_lo, mut band_hi) = (p.min(q), p.max(q));
        // 0 ≤ (x − ax)·dx + ry·dy ≤ len²
        if dx != 0.0 {
            let (p, q) = (a.0 - ry * dy / dx, a.0 + (len * len - ry * dy) / dx);
            band_lo = band_lo.max(p.min(q));
            band_hi = band_hi.min(p.max(q));
        } else if !(0.0..=dy * dy).contains(&(ry * dy)) {
            band_hi = f32::NEG_INFINITY;
        }
        if band_lo <= band_hi {
            lo = lo.min(band_lo);
            hi = hi.max(band_hi);
        }
    }
    (lo, hi)
}

/// Paints segment `a`–`b` with a round brush of radius `radius` onto the
/// `side`×`side` ink buffer: a pixel whose centre is at distance `d` from the
/// segment gets coverage `clamp(radius + 0.5 − d, 0, 1)` (a one-pixel anti-aliased
/// edge), and keeps the larger of that and the ink it had. Only the pixels of each
/// row that the stroke reaches ([`capsule_row`]) are visited.
fn stamp_segment(ink: &mut [f32], side: usize, a: Point, b: Point, radius: f32) {
    let reach = radius + 0.5;
    let reach2 = reach * reach;
    // Within `solid` of the segment the coverage is 1, no square root needed.
    let solid2 = if radius >= 0.5 {
        (radius - 0.5) * (radius - 0.5)
    } else {
        -1.0
    };
    let last = side as f32 - 1.0;
    // Pixel i is reached if its centre i + 0.5 lies within `reach` of the segment.
    let first_pixel = |v: f32| (v - 0.5).ceil().clamp(0.0, last + 1.0) as usize;
    let last_pixel = |v: f32| (v - 0.5).floor().clamp(-1.0, last) as isize;
    let y0 = first_pixel(a.1.min(b.1) - reach);
    let y1 = last_pixel(a.1.max(b.1) + reach);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let inv_len2 = if len2 > 0.0 { 1.0 / len2 } else { 0.0 };
    for y in y0..(y1 + 1).max(0) as usize {
        let cy = y as f32 + 0.5;
        let (lo, hi) = capsule_row(a, b, reach, cy);
        if lo > hi {
            continue;
        }
        let (x0, x1) = (first_pixel(lo), (last_pixel(hi) + 1).max(0) as usize);
        if x0 >= x1 {
            continue;
        }
        let py = cy - a.1;
        for (x, out) in (x0..).zip(&mut ink[y * side + x0..y * side + x1]) {
            let px = x as f32 + 0.5 - a.0;
            let t = ((px * dx + py * dy) * inv_len2).clamp(0.0, 1.0);
            let (ex, ey) = (px - t * dx, py - t * dy);
            let d2 = ex * ex + ey * ey;
            let coverage = if d2 <= solid2 {
                1.0
            } else if d2 < reach2 {
                (reach - d2.sqrt()).min(1.0)
            } else {
                0.0
            };
            if coverage > *out {
                *out = coverage;
            }
        }
    }
}

/// Paints all `segments` (canvas coordinates) with a round brush of `diameter`
/// pixels on a blank `side`×`side` canvas; ink is the maximum coverage over segments.
pub(super) fn render(segments: &[Segment], diameter: f32, side: usize) -> Vec<f32> {
    let mut ink = vec![0.0f32; side * side];
    for &(a, b) in segments {
        stamp_segment(&mut ink, side, a, b, diameter * 0.5);
    }
    ink
}

/// Space kept free between the brush's edge and the canvas's edge, in pixels: the
/// anti-aliased edge reaches half a pixel beyond the brush, so with one pixel (plus
/// a hair for rounding) the outermost pixel centres get no ink at all.
const MARGIN: f32 = 1.01;

/// A 2×2 linear map followed by a translation: `p ↦ m·p + t`.
#[derive(Debug, Clone, Copy)]
struct Affine {
    m: [[f32; 2]; 2],
    t: Point,
}

impl Affine {
    fn apply(&self, p: Point) -> Point {
        (
            self.m[0][0] * p.0 + self.m[0][1] * p.1 + self.t.0,
            self.m[1][0] * p.0 + self.m[1][1] * p.1 + self.t.1,
        )
    }
}

/// Bounding box `(min_x, min_y, max_x, max_y)` of the segments' end points.
pub(super) fn bounds(segments: &[Segment]) -> (f32, f32, f32, f32) {
    segments.iter().flat_map(|&(a, b)| [a, b]).fold(
        (
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
        ),
        |(x0, y0, x1, y1), (x, y)| (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
    )
}

/// The random pen and placement of one digit, drawn from `style` in a fixed order
/// (brush, size, rotation, shear, x, y), then applied to `segments` (28×28 skeleton
/// coordinates). Returns the segments in canvas coordinates and the brush diameter in
/// canvas pixels. `segments` must not be empty.
pub(super) fn place(
    segments: &[Segment],
    rng: &mut Rng,
    style: &StrokeStyle,
) -> (Vec<Segment>, f32) {
    let side = style.canvas as f32;
    let uniform = |rng: &mut Rng, lo: f32, hi: f32| {
        if hi > lo {
            rng.uniform(lo, hi)
        } else {
            // Consume the draw anyway, so every digit uses the same number of draws.
            rng.next_f32();
            lo
        }
    };
    // A brush wider than the canvas (minus a pixel of margin each side) cannot be
    // placed; cap it there.
    let diameter = (uniform(rng, style.brush_min, style.brush_max) * side)
        .clamp(0.0, (side - 2.0 * MARGIN).max(0.0));
    let height = uniform(rng, style.size_min, style.size_max) * side;
    let angle = uniform(rng, -style.max_rotation_deg, style.max_rotation_deg).to_radians();
    let shear = uniform(rng, -style.max_shear, style.max_shear);
    let (fx, fy) = (rng.next_f32(), rng.next_f32());

    // Centre the skeleton, then shear (x += shear·y, y pointing down: positive
    // shear leans the top left) and rotate.
    let (x0, y0, x1, y1) = bounds(segments);
    let (cx, cy) = ((x0 + x1) * 0.5, (y0 + y1) * 0.5);
    let (s, c) = angle.sin_cos();
    let shape = Affine {
        m: [[c, c * shear - s], [s, s * shear + c]],
        t: (0.0, 0.0),
    };
    let moved: Vec<Segment> = segments
        .iter()
        .map(|&(a, b)| {
            let a = shape.apply((a.0 - cx, a.1 - cy));
            let b = shape.apply((b.0 - cx, b.1 - cy));
            (a, b)
        })
        .collect();

    // Scale: the skeleton's height becomes `height` (a flat or one-pixel skeleton is
    // scaled by its larger side, or as one pixel), then shrunk if the digit and its
    // brush would not fit: [`MARGIN`] beyond the brush keeps the border blank.
    let (mx0, my0, mx1, my1) = bounds(&moved);
    let (w, h) = (mx1 - mx0, my1 - my0);
    let reference = if h >= 1.0 { h } else { w.max(1.0) };
    let margin = diameter * 0.5 + MARGIN;
    let room = (side - 2.0 * margin).max(0.0);
    let scale = (height / reference)
        .min(if w > 0.0 { room / w } else { f32::INFINITY })
        .min(if h > 0.0 { room / h } else { f32::INFINITY })
        .max(0.0);

    // Translate: anywhere that keeps brush and margin inside the canvas.
    let offset = |f: f32, lo_pt: f32, hi_pt: f32| {
        let lo = margin - scale * lo_pt;
        let hi = side - margin - scale * hi_pt;
        if hi > lo {
            lo + f * (hi - lo)
        } else {
            (lo + hi) * 0.5
        }
    };
    let placement = Affine {
        m: [[scale, 0.0], [0.0, scale]],
        t: (offset(fx, mx0, mx1), offset(fy, my0, my1)),
    };
    let placed = moved
        .iter()
        .map(|&(a, b)| (placement.apply(a), placement.apply(b)))
        .collect();
    (placed, diameter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strokes::geometry::distance_to_segment;

    // ---- Rendering ----------------------------------------------------------------

    #[test]
    fn capsule_has_the_brush_width_and_area() {
        // A horizontal segment of length 100 with a 20-pixel brush: area ≈ 100·20 +
        // π·10², ink only within 10.5 pixels of it, full ink along it.
        let ink = render(&[((50.0, 100.0), (150.0, 100.0))], 20.0, 200);
        let area: f32 = ink.iter().sum();
        let expected = 100.0 * 20.0 + std::f32::consts::PI * 100.0;
        assert!(
            (area - expected).abs() < 0.01 * expected,
            "{area} vs {expected}"
        );
        assert_eq!(ink[100 * 200 + 100], 1.0);
        let column: f32 = (0..200).map(|y| ink[y * 200 + 100]).sum();
        assert!((column - 20.0).abs() < 0.01, "{column}");
        // A dot: a disc.
        let dot: f32 = render(&[((50.0, 50.0), (50.0, 50.0))], 30.0, 100)
            .iter()
            .sum();
        assert!((dot - std::f32::consts::PI * 225.0).abs() < 10.0, "{dot}");
        // Any direction, clipped or not: exactly the pixels (and values) of a
        // brute-force pass over the whole canvas.
        let mut rng = Rng::new(9);
        for _ in 0..200 {
            let mut p = || (rng.uniform(-10.0, 70.0), rng.uniform(-10.0, 70.0));
            let (a, mut b) = (p(), p());
            if rng.below(4) == 0 {
                b.0 = a.0; // vertical
            }
            let radius = rng.uniform(0.0, 12.0);
            let mut fast = vec![0.0f32; 60 * 60];
            stamp_segment(&mut fast, 60, a, b, radius);
            let slow: Vec<f32> = (0..60 * 60)
                .map(|i| {
                    let c = ((i % 60) as f32 + 0.5, (i / 60) as f32 + 0.5);
                    (radius + 0.5 - distance_to_segment(c, a, b)).clamp(0.0, 1.0)
                })
                .collect();
            for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    (f - s).abs() < 1e-4,
                    "{a:?}–{b:?} r {radius}: pixel {i}: {f} vs {s}"
                );
            }
        }
        // Clipped at the canvas edge without panicking.
        let clipped = render(&[((-5.0, 3.0), (12.0, 40.0))], 9.0, 20);
        assert!(clipped.iter().any(|&v| v > 0.0));
    }
}
