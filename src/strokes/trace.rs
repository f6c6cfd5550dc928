//! Stage 2 of [`super`]: a skeleton → pen strokes. Its links are traced into chains
//! between end points and junctions, smoothed, and simplified into polylines.

use super::geometry::{distance_to_segment, Point, Segment};
use super::skeleton::{is_set, links};

/// Passes of the [1, 2, 1] / 4 smoothing filter along each stroke in
/// [`skeleton_strokes`].
const SMOOTHING_PASSES: usize = 3;

/// Largest distance (in skeleton pixels) by which [`skeleton_strokes`] lets its
/// simplification move a smoothed stroke.
const SIMPLIFY_TOLERANCE: f32 = 0.1;

/// The skeleton of a `side`×`side` mask as pen strokes: polylines through pixel
/// centres, smoothed and simplified. Same pixels and links as
/// [`skeleton_segments`](super::skeleton_segments), but
///
/// 1. traced into chains: each runs between two pixels that are not simply on a
///    line (end points and junctions: other than two links), or round a closed loop
///    (first point repeated at the end); an isolated pixel is a one-point stroke
///    (a dot). Every link is in exactly one chain.
/// 2. smoothed: the inner points of each chain (every point of a loop) are averaged
///    with their neighbours, [1, 2, 1] / 4, three times, so the pixel staircases of
///    slanted and curved strokes become the smooth lines a pen draws. End points and
///    junctions stay where they are, so strokes still meet. Straight lines stay put
///    and corners are rounded within about a pixel.
/// 3. simplified (Douglas–Peucker): points are dropped while the polyline stays
///    within 0.1 pixel of the smoothed one, so a straight run is one segment. On
///    MNIST that leaves about 21 segments per digit instead of 35 links.
///
/// Missing mask entries count as background; extra ones are ignored.
pub fn skeleton_strokes(skel: &[bool], side: usize) -> Vec<Vec<Point>> {
    trace_chains(skel, side)
        .into_iter()
        .map(|(mut chain, closed)| {
            smooth(&mut chain, closed);
            simplify(&chain, SIMPLIFY_TOLERANCE)
        })
        .collect()
}

/// The segments between consecutive points of `strokes`; a one-point stroke is a
/// zero-length segment (a dot).
pub fn stroke_segments(strokes: &[Vec<Point>]) -> Vec<Segment> {
    let mut segments = Vec::new();
    for stroke in strokes {
        match stroke.as_slice() {
            [] => {}
            [p] => segments.push((*p, *p)),
            points => segments.extend(points.windows(2).map(|pair| (pair[0], pair[1]))),
        }
    }
    segments
}

/// Step 1 of [`skeleton_strokes`]: the chains of pixel centres, each with whether it
/// is a closed loop (of two-link pixels only; a loop through a junction starts and
/// ends there but is open, so the junction stays put).
fn trace_chains(skel: &[bool], side: usize) -> Vec<(Vec<Point>, bool)> {
    let index = |(x, y): (isize, isize)| y as usize * side + x as usize;
    let centre = |(x, y): (isize, isize)| -> Point { (x as f32 + 0.5, y as f32 + 0.5) };
    let mut links_of: Vec<Vec<(isize, isize)>> = vec![Vec::new(); side * side];
    for y in 0..side as isize {
        for x in 0..side as isize {
            if is_set(skel, side, side, x, y) {
                links_of[index((x, y))] = links(skel, side, side, x, y);
            }
        }
    }
    // Links already traced, as (pixel, neighbour) in both directions.
    let mut used: Vec<Vec<(isize, isize)>> = vec![Vec::new(); side * side];
    let mark = |used: &mut Vec<Vec<(isize, isize)>>, p, q| {
        used[index(p)].push(q);
        used[index(q)].push(p);
    };
    let unused_link = |used: &Vec<Vec<(isize, isize)>>, p: (isize, isize)| {
        links_of[index(p)]
            .iter()
            .copied()
            .find(|q| !used[index(p)].contains(q))
    };
    // Follows unused links from `start` through two-link pixels.
    let walk = |used: &mut Vec<Vec<(isize, isize)>>, start: (isize, isize), first| {
        let mut chain = vec![centre(start), centre(first)];
        mark(used, start, first);
        let mut cur = first;
        while links_of[index(cur)].len() == 2 {
            match unused_link(used, cur) {
                Some(next) => {
                    mark(used, cur, next);
                    chain.push(centre(next));
                    cur = next;
                }
                None => break,
            }
        }
        chain
    };
    let mut chains = Vec::new();
    let pixels: Vec<(isize, isize)> = (0..side as isize)
        .flat_map(|y| (0..side as isize).map(move |x| (x, y)))
        .filter(|&(x, y)| is_set(skel, side, side, x, y))
        .collect();
    // Open chains from end points and junctions, dots.
    for &p in &pixels {
        match links_of[index(p)].len() {
            0 => chains.push((vec![centre(p)], false)),
            2 => {}
            _ => {
                while let Some(q) = unused_link(&used, p) {
                    chains.push((walk(&mut used, p, q), false));
                }
            }
        }
    }
    // What is left are closed loops of two-link pixels.
    for &p in &pixels {
        if let Some(q) = unused_link(&used, p) {
            chains.push((walk(&mut used, p, q), true));
        }
    }
    chains
}

/// Step 2 of [`skeleton_strokes`], in place. The ends of an open chain stay; a
/// closed one (last point = first) is smoothed all round.
fn smooth(chain: &mut [Point], closed: bool) {
    let n = chain.len();
    if n < 3 {
        return;
    }
    let mut previous = chain.to_vec();
    for _ in 0..SMOOTHING_PASSES {
        previous.copy_from_slice(chain);
        let blend = |a: Point, b: Point, c: Point| {
            (
                (a.0 + 2.0 * b.0 + c.0) * 0.25,
                (a.1 + 2.0 * b.1 + c.1) * 0.25,
            )
        };
        for i in 1..n - 1 {
            chain[i] = blend(previous[i - 1], previous[i], previous[i + 1]);
        }
        if closed {
            chain[0] = blend(previous[n - 2], previous[0], previous[1]);
            chain[n - 1] = chain[0];
        }
    }
}

/// Step 3 of [`skeleton_strokes`]: Douglas–Peucker; the first and last points are
/// kept. (For a loop, first = last, the "segment" between them is a point and the
/// farthest point from it is kept first.)
fn simplify(chain: &[Point], tolerance: f32) -> Vec<Point> {
    fn keep(chain: &[Point], lo: usize, hi: usize, tolerance: f32, kept: &mut [bool]) {
        if hi <= lo + 1 {
            return;
        }
        let (mut worst, mut at) = (0.0f32, lo);
        for i in lo + 1..hi {
            let d = distance_to_segment(chain[i], chain[lo], chain[hi]);
            if d > worst {
                (worst, at) = (d, i);
            }
        }
        if worst > tolerance {
            kept[at] = true;
            keep(chain, lo, at, tolerance, kept);
            keep(chain, at, hi, tolerance, kept);
        }
    }
    let n = chain.len();
    if n < 3 {
        return chain.to_vec();
    }
    let mut kept = vec![false; n];
    kept[0] = true;
    kept[n - 1] = true;
    keep(chain, 0, n - 1, tolerance, &mut kept);
    chain
        .iter()
        .zip(&kept)
        .filter(|(_, &k)| k)
        .map(|(&p, _)| p)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::{PIXELS28, SIDE28};
    use crate::strokes::skeleton::{skeleton, skeleton_segments, SKELETON_SIDE};
    use crate::strokes::test_digits::{digits, four, zero};

    // ---- Strokes ------------------------------------------------------------------

    /// A pair of points as an order-free key (coordinates are pixel centres).
    fn pair_key(a: Point, b: Point) -> ((i32, i32), (i32, i32)) {
        let k = |p: Point| ((p.0 * 2.0).round() as i32, (p.1 * 2.0).round() as i32);
        if k(a) <= k(b) {
            (k(a), k(b))
        } else {
            (k(b), k(a))
        }
    }

    #[test]
    fn chains_use_every_link_exactly_once() {
        let mut shapes: Vec<(Vec<bool>, usize)> = digits()
            .iter()
            .map(|(_, img)| (skeleton(img), SKELETON_SIDE))
            .collect();
        // A "6"-like loop hanging from a junction, and a lone dot.
        let mut six = vec![false; PIXELS28];
        for &(x, y) in &[
            (10, 3),
            (10, 4),
            (10, 5),
            (10, 6),
            (10, 7),
            (10, 8),
            (11, 9),
            (12, 10),
            (13, 10),
            (14, 9),
            (14, 8),
            (13, 7),
            (12, 7),
            (11, 7),
            (20, 20),
        ] {
            six[y * SIDE28 + x] = true;
        }
        shapes.push((six, SIDE28));
        for (skel, side) in &shapes {
            let mut from_chains: Vec<_> = trace_chains(skel, *side)
                .iter()
                .flat_map(|(chain, _)| match chain.as_slice() {
                    [p] => vec![pair_key(*p, *p)],
                    c => c.windows(2).map(|w| pair_key(w[0], w[1])).collect(),
                })
                .collect();
            let mut from_links: Vec<_> = skeleton_segments(skel, *side)
                .iter()
                .map(|&(a, b)| pair_key(a, b))
                .collect();
            from_chains.sort_unstable();
            from_links.sort_unstable();
            assert_eq!(from_chains, from_links);
        }
    }

    #[test]
    fn strokes_are_smooth_and_stay_on_the_skeleton() {
        // A straight line is one segment.
        let mut line = vec![false; PIXELS28];
        for x in 5..20 {
            line[10 * SIDE28 + x] = true;
        }
        assert_eq!(
            skeleton_strokes(&line, SIDE28),
            vec![vec![(5.5, 10.5), (19.5, 10.5)]]
        );
        // A ring is one closed stroke (with fewer points than pixels).
        let ring = skeleton(&zero());
        let strokes = skeleton_strokes(&ring, SKELETON_SIDE);
        assert_eq!(strokes.len(), 1);
        let loop_ = &strokes[0];
        assert_eq!(loop_.first(), loop_.last());
        assert!(loop_.len() < ring.iter().filter(|&&b| b).count());
        for (name, img) in digits() {
            let skel = skeleton(&img);
            let centres: Vec<Point> = (0..skel.len())
                .filter(|&i| skel[i])
                .map(|i| {
                    (
                        (i % SKELETON_SIDE) as f32 + 0.5,
                        (i / SKELETON_SIDE) as f32 + 0.5,
                    )
                })
                .collect();
            let near = |p: Point| {
                centres
                    .iter()
                    .map(|c| ((c.0 - p.0).powi(2) + (c.1 - p.1).powi(2)).sqrt())
                    .fold(f32::INFINITY, f32::min)
            };
            let strokes = skeleton_strokes(&skel, SKELETON_SIDE);
            for stroke in &strokes {
                // Every vertex within a pixel of the skeleton, and so is the middle
                // of every segment.
                for w in stroke.windows(2) {
                    let mid = ((w[0].0 + w[1].0) * 0.5, (w[0].1 + w[1].1) * 0.5);
                    assert!(near(w[0]) <= 1.0 && near(mid) <= 1.0, "{name}: {w:?}");
                }
                // No sharp zig-zags: consecutive segments turn by less than 90°.
                for w in stroke.windows(3) {
                    let (u, v) = (
                        (w[1].0 - w[0].0, w[1].1 - w[0].1),
                        (w[2].0 - w[1].0, w[2].1 - w[1].1),
                    );
                    assert!(u.0 * v.0 + u.1 * v.1 > 0.0, "{name}: turn at {:?}", w[1]);
                }
            }
            // One segment per pair of consecutive points (a dot for a lone point).
            let segments = stroke_segments(&strokes);
            assert_eq!(
                segments.len(),
                strokes.iter().map(|s| s.len().max(2) - 1).sum::<usize>()
            );
        }
        // The "4" has a junction where three or more strokes end.
        let strokes = skeleton_strokes(&skeleton(&four()), SKELETON_SIDE);
        let ends: Vec<_> = strokes
            .iter()
            .flat_map(|s| {
                [
                    pair_key(s[0], s[0]),
                    pair_key(s[s.len() - 1], s[s.len() - 1]),
                ]
            })
            .collect();
        assert!(ends
            .iter()
            .any(|e| ends.iter().filter(|f| *f == e).count() >= 3));
    }
}
