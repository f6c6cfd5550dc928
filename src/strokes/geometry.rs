//! Points and segments in pixel coordinates, the plain types that the stages of
//! [`super`] pass on to each other, and the distance between them.

/// A point in pixel coordinates: `(x, y)`, x to the right, y down; pixel `(i, j)`
/// covers `[i, i + 1) × [j, j + 1)`, so its centre is `(i + 0.5, j + 0.5)`.
pub type Point = (f32, f32);

/// A line segment between two points (equal points: a dot).
pub type Segment = (Point, Point);

/// Distance from `p` to segment `a`–`b`.
pub(super) fn distance_to_segment(p: Point, a: Point, b: Point) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (px, py) = (p.0 - a.0, p.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        ((px * dx + py * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((px - t * dx).powi(2) + (py - t * dy).powi(2)).sqrt()
}
