//! Stage 1 of [`super`]: a 28×28 digit → its one-pixel-wide skeleton (Zhang–Suen
//! thinning, then staircase corners and short spurs removed), and the skeleton's
//! links between neighbouring pixels as line segments.

use super::geometry::{Point, Segment};
use crate::preprocess::SIDE28;

/// A pixel of the enlarged digit ([`ink_mask`]) is ink (part of the shape to thin) when
/// its value is at least this: a fixed grey threshold. MNIST's anti-aliased edges are
/// grey ramps a pixel or two wide around a core of 250+; cutting above the middle of the
/// ramp keeps the small holes of heavy digits open (a loop whose inside is grey would
/// thin to a line). 150 is the highest threshold at which a one-pixel diagonal line of
/// full ink stays connected once enlarged (its fine pixels get 0.75² + 0.25² of the ink,
/// 159); chosen on training digits 0–4,999 drawn as `twinnet drawn` draws them (large
/// ones read at 98.04 / 98.66 / 98.50 / 98.18 % with thresholds 128 / 150 / 165 / 180),
/// never on the held-out digits.
pub const INK_THRESHOLD: u8 = 150;

/// The digit is thinned enlarged this many times (bilinear), so that strokes
/// one or two MNIST pixels apart stay apart and the skeleton follows curves more
/// closely than whole MNIST pixels allow.
pub const FINE: usize = 2;

/// The side of the mask [`skeleton()`] returns: MNIST's 28 pixels, [`FINE`] times.
pub const SKELETON_SIDE: usize = SIDE28 * FINE;

/// Offsets of the 8 neighbours in Zhang–Suen order P2..P9: N, NE, E, SE, S, SW, W, NW
/// (y points down).
const OFFSETS: [(isize, isize); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];

/// Whether `(x, y)` is set in the `w`×`h` mask; outside (or missing) is background.
pub(super) fn is_set(img: &[bool], w: usize, h: usize, x: isize, y: isize) -> bool {
    x >= 0
        && y >= 0
        && (x as usize) < w
        && (y as usize) < h
        && img
            .get(y as usize * w + x as usize)
            .copied()
            .unwrap_or(false)
}

/// The 8 neighbours of `(x, y)` in Zhang–Suen order P2..P9 (see [`OFFSETS`]).
fn neighbours(img: &[bool], w: usize, h: usize, x: usize, y: usize) -> [bool; 8] {
    OFFSETS.map(|(dx, dy)| is_set(img, w, h, x as isize + dx, y as isize + dy))
}

/// The skeleton pixels that `(x, y)` is joined to, in [`OFFSETS`] order: its set edge
/// neighbours, and its set diagonal neighbours unless an edge neighbour shared with
/// that diagonal is set too (then the two edge links already join them).
pub(super) fn links(img: &[bool], w: usize, h: usize, x: isize, y: isize) -> Vec<(isize, isize)> {
    OFFSETS
        .iter()
        .filter(|&&(dx, dy)| {
            is_set(img, w, h, x + dx, y + dy)
                && (dx == 0
                    || dy == 0
                    || (!is_set(img, w, h, x + dx, y) && !is_set(img, w, h, x, y + dy)))
        })
        .map(|&(dx, dy)| (x + dx, y + dy))
        .collect()
}

/// The topological part of the deletion test: exactly one background→ink transition
/// around the pixel (A = 1), so removing it does not split the shape or open a hole,
/// and 3 ≤ B ≤ 6 set neighbours. Zhang–Suen's original allows B = 2, but a pixel
/// with two (necessarily adjacent) neighbours is the tip of a two-pixel-thick stroke,
/// and deleting it lets such strokes, common in thresholded MNIST, erode from their
/// ends to a dot; B ≥ 3 (Lü & Wang, 1986) keeps them.
fn removable(n: &[bool; 8]) -> bool {
    let b = n.iter().filter(|&&v| v).count();
    let a = (0..8).filter(|&i| !n[i] && n[(i + 1) % 8]).count();
    (3..=6).contains(&b) && a == 1
}

/// Thins the `w`×`h` binary image `img` in place to a one-pixel-wide skeleton
/// (Zhang & Suen, 1984: two alternating sub-iterations peeling the south-east and
/// the north-west boundary, until nothing changes).
///
/// One safeguard over the textbook version: the candidates of a sub-iteration are
/// found in parallel as usual, but each is re-tested ([`removable`]) against the
/// image as it is when its turn comes. The textbook algorithm erases 2×2 blocks and
/// can break two-pixel-thick diagonals because neighbours vanish simultaneously;
/// with the re-test a shape never disappears or falls apart.
fn thin(img: &mut [bool], w: usize, h: usize) {
    assert_eq!(img.len(), w * h, "thin: image size");
    let mut candidates = Vec::new();
    loop {
        let mut changed = false;
        for first in [true, false] {
            candidates.clear();
            for y in 0..h {
                for x in 0..w {
                    if !img[y * w + x] {
                        continue;
                    }
                    let n = neighbours(img, w, h, x, y);
                    let (p2, p4, p6, p8) = (n[0], n[2], n[4], n[6]);
                    // First: P2·P4·P6 = 0 and P4·P6·P8 = 0 (a south or east edge,
                    // or a north-west corner); second: P2·P4·P8 = 0 and
                    // P2·P6·P8 = 0 (north or west edge, south-east corner).
                    let directional = if first {
                        !(p4 && p6 && (p2 || p8))
                    } else {
                        !(p2 && p8 && (p4 || p6))
                    };
                    if directional && removable(&n) {
                        candidates.push((x, y));
                    }
                }
            }
            for &(x, y) in &candidates {
                if removable(&neighbours(img, w, h, x, y)) {
                    img[y * w + x] = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// Yokoi's 8-connectivity number of a pixel from its neighbours in [`OFFSETS`]
/// order: removing the pixel keeps the 8-connected shape and its 4-connected
/// background exactly as connected as before iff this is 1.
fn connectivity8(n: &[bool; 8]) -> usize {
    let off = |i: usize| !n[i % 8];
    [0, 2, 4, 6]
        .iter()
        .filter(|&&k| off(k) && !(off(k + 1) && off(k + 2)))
        .count()
}

/// Makes a thinned image one pixel wide in the 8-connected sense: removes, in raster
/// order and until none is left, the pixels that have a vertical and a horizontal
/// neighbour (the inner corners of staircases, and so every 2×2 block) where that
/// keeps the topology ([`connectivity8`] = 1) and is not an end point. Zhang–Suen's
/// crossing-number test counts the two arms of such a corner as separate and keeps
/// it; without it a slanted stroke would be a 4-connected staircase.
fn remove_staircases(img: &mut [bool], w: usize, h: usize) {
    loop {
        let mut changed = false;
        for y in 0..h {
            for x in 0..w {
                if !img[y * w + x] {
                    continue;
                }
                let n = neighbours(img, w, h, x, y);
                let (north, east, south, west) = (n[0], n[2], n[4], n[6]);
                let ends = n.iter().filter(|&&v| v).count() < 2;
                if (north || south) && (east || west) && !ends && connectivity8(&n) == 1 {
                    img[y * w + x] = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// Longest side branch (in pixels) that [`prune_spurs`] removes.
const MAX_SPUR: usize = 2 * FINE;

/// Removes short spurs: branches of at most [`MAX_SPUR`] pixels that run from an end
/// point to a junction. Thinning leaves them where a thick stroke had a corner or a
/// blunt end; drawn with a pen they would be little ticks. Branches are found on the
/// skeleton as it is and then all removed, so a junction stays; a short piece that
/// is not attached to a junction (a short line, a dot) is kept whole.
fn prune_spurs(img: &mut [bool], w: usize, h: usize) {
    let mut spurs = Vec::new();
    for y in 0..h as isize {
        for x in 0..w as isize {
            if !is_set(img, w, h, x, y) || links(img, w, h, x, y).len() != 1 {
                continue;
            }
            // Walk from the end point while the path has no fork.
            let mut path = vec![(x, y)];
            let (mut prev, mut cur) = ((x, y), links(img, w, h, x, y)[0]);
            loop {
                let next: Vec<_> = links(img, w, h, cur.0, cur.1)
                    .into_iter()
                    .filter(|&p| p != prev)
                    .collect();
                match next.len() {
                    // Another end point: a free-standing piece, not a spur.
                    0 => break,
                    1 if path.len() < MAX_SPUR => {
                        path.push(cur);
                        (prev, cur) = (cur, next[0]);
                    }
                    // Long enough to be a real stroke.
                    1 => break,
                    // `cur` is a junction: `path` is a spur.
                    _ => {
                        spurs.extend_from_slice(&path);
                        break;
                    }
                }
            }
        }
    }
    for (x, y) in spurs {
        img[y as usize * w + x as usize] = false;
    }
}

/// The one-pixel-wide skeleton of a 28×28 MNIST-style digit (row-major bytes,
/// 0 = background, 255 = ink), found on the digit enlarged [`FINE`] times: the
/// [`ink_mask`] (bilinear, ink ≥ [`INK_THRESHOLD`]) thinned with Zhang–Suen; then the
/// inner corners of staircases are removed (so slanted strokes are 8-connected diagonal
/// lines) and side branches of up to [`MAX_SPUR`] fine pixels are pruned. Returns
/// [`SKELETON_SIDE`]² booleans, `true` on the skeleton; all `false` for a blank image.
///
/// The skeleton has the connectivity and holes of the enlarged, thresholded digit (a
/// "0" stays a closed loop) and keeps its end points. Checked on all 60,000 MNIST
/// training digits: the same number of pieces and of holes every time, none blank,
/// and no 2×2 block of skeleton pixels except in 12 digits, where the block surrounds
/// one-pixel holes.
///
/// `image28` should hold 784 bytes; missing bytes count as background and extra ones
/// are ignored.
pub fn skeleton(image28: &[u8]) -> Vec<bool> {
    let mut img = ink_mask(image28);
    thin(&mut img, SKELETON_SIDE, SKELETON_SIDE);
    remove_staircases(&mut img, SKELETON_SIDE, SKELETON_SIDE);
    prune_spurs(&mut img, SKELETON_SIDE, SKELETON_SIDE);
    img
}

/// The ink of a 28×28 digit enlarged [`FINE`] times (bilinear between pixel centres,
/// clamped at the border) and cut at [`INK_THRESHOLD`]: the shape [`skeleton()`] thins.
pub(super) fn ink_mask(image28: &[u8]) -> Vec<bool> {
    let at = |x: usize, y: usize| f32::from(image28.get(y * SIDE28 + x).copied().unwrap_or(0));
    let last = (SIDE28 - 1) as f32;
    let source = |f: usize| (((f as f32 + 0.5) / FINE as f32) - 0.5).clamp(0.0, last);
    let threshold = f32::from(INK_THRESHOLD);
    let mut mask = vec![false; SKELETON_SIDE * SKELETON_SIDE];
    for fy in 0..SKELETON_SIDE {
        let y = source(fy);
        let (y0, ty) = (y.floor() as usize, y.fract());
        let y1 = (y0 + 1).min(SIDE28 - 1);
        for fx in 0..SKELETON_SIDE {
            let x = source(fx);
            let (x0, tx) = (x.floor() as usize, x.fract());
            let x1 = (x0 + 1).min(SIDE28 - 1);
            let top = at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx;
            let bottom = at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx;
            mask[fy * SKELETON_SIDE + fx] = top * (1.0 - ty) + bottom * ty >= threshold;
        }
    }
    mask
}

/// Line segments joining 8-connected skeleton pixels of a `side`×`side` row-major
/// mask, between pixel centres (`(x + 0.5, y + 0.5)`). Each pair of neighbours is
/// joined once. A diagonal link is left out when the two pixels are also joined
/// through a shared edge neighbour (an L of two edge links), as that path already
/// covers it. A pixel with no neighbour becomes a zero-length segment (a dot).
///
/// Missing mask entries count as background; extra ones are ignored.
pub fn skeleton_segments(skel: &[bool], side: usize) -> Vec<Segment> {
    let centre = |(x, y): (isize, isize)| -> Point { (x as f32 + 0.5, y as f32 + 0.5) };
    let mut segments = Vec::new();
    for y in 0..side as isize {
        for x in 0..side as isize {
            if !is_set(skel, side, side, x, y) {
                continue;
            }
            let linked = links(skel, side, side, x, y);
            if linked.is_empty() {
                segments.push((centre((x, y)), centre((x, y))));
            }
            // Forward links only (E, SE, S, SW), so each pair is seen once.
            for q in linked {
                if q.1 > y || (q.1 == y && q.0 > x) {
                    segments.push((centre((x, y)), centre(q)));
                }
            }
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strokes::test_digits::{bar, digits, two, zero};

    /// Number of connected components of the pixels where `mask == value`
    /// (8-connectivity for ink, 4-connectivity for background, as usual).
    fn components(mask: &[bool], w: usize, h: usize, value: bool) -> usize {
        let mut seen = vec![false; w * h];
        let mut count = 0;
        let steps: &[(isize, isize)] = if value {
            &[
                (1, 0),
                (-1, 0),
                (0, 1),
                (0, -1),
                (1, 1),
                (1, -1),
                (-1, 1),
                (-1, -1),
            ]
        } else {
            &[(1, 0), (-1, 0), (0, 1), (0, -1)]
        };
        for start in 0..w * h {
            if mask[start] != value || seen[start] {
                continue;
            }
            count += 1;
            seen[start] = true;
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                let (x, y) = ((i % w) as isize, (i / w) as isize);
                for &(dx, dy) in steps {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask[j] == value && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        count
    }

    /// True if some 2×2 block is entirely set: the mask is thicker than one pixel.
    fn has_2x2_block(mask: &[bool], w: usize, h: usize) -> bool {
        (0..h - 1).any(|y| {
            (0..w - 1).any(|x| {
                mask[y * w + x]
                    && mask[y * w + x + 1]
                    && mask[(y + 1) * w + x]
                    && mask[(y + 1) * w + x + 1]
            })
        })
    }

    // ---- Skeleton -----------------------------------------------------------------

    /// The pixel of the 28×28 image under fine pixel `i` of a skeleton.
    fn source_pixel(i: usize) -> usize {
        (i / SKELETON_SIDE / FINE) * SIDE28 + (i % SKELETON_SIDE) / FINE
    }

    const S: usize = SKELETON_SIDE;

    #[test]
    fn skeleton_of_thick_bars_is_one_pixel_wide_and_connected() {
        // Horizontal bars of odd and even thickness, a vertical bar.
        for (img, horizontal) in [
            (bar(4, 24, 10, 15), true),
            (bar(4, 24, 10, 16), true),
            (bar(3, 25, 12, 14), true),
            (bar(11, 17, 3, 25), false),
        ] {
            let skel = skeleton(&img);
            assert_eq!(skel.len(), S * S);
            assert_eq!(components(&skel, S, S, true), 1);
            assert!(!has_2x2_block(&skel, S, S));
            // Inside the bar (away from its ends) exactly one pixel per column (row).
            for i in 9 * FINE..19 * FINE {
                let line = (0..S)
                    .filter(|&j| {
                        if horizontal {
                            skel[j * S + i]
                        } else {
                            skel[i * S + j]
                        }
                    })
                    .count();
                assert_eq!(line, 1, "line {i} of the skeleton crosses {line} pixels");
            }
            // Only where the bar was, and nearly as long as the bar.
            assert!((0..S * S).all(|i| !skel[i] || img[source_pixel(i)] == 255));
            assert!(skel.iter().filter(|&&s| s).count() >= 14 * FINE);
        }
    }

    #[test]
    fn skeleton_keeps_loops_and_never_erases_small_shapes() {
        // A thick ring stays one closed one-pixel loop: one piece of ink, and the
        // background is split in two (outside and the hole).
        let skel = skeleton(&zero());
        assert_eq!(components(&skel, S, S, true), 1);
        assert_eq!(components(&skel, S, S, false), 2);
        assert!(!has_2x2_block(&skel, S, S));
        // Textbook Zhang–Suen erases a 2×2 block entirely; ours keeps a piece.
        let block = skeleton(&bar(10, 12, 10, 12));
        assert!(block.iter().any(|&b| b));
        // A one-pixel-wide diagonal line of full ink stays one piece.
        let mut thin = vec![0u8; SIDE28 * SIDE28];
        for i in 4..22 {
            thin[i * SIDE28 + i] = 255;
        }
        assert_eq!(components(&skeleton(&thin), S, S, true), 1);
        // A two-pixel-thick diagonal (textbook Zhang–Suen erodes it from its ends)
        // becomes one 8-connected diagonal line: one pixel per row, nearly all rows.
        let mut diagonal = vec![0u8; SIDE28 * SIDE28];
        for i in 4..22 {
            diagonal[i * SIDE28 + i] = 255;
            diagonal[i * SIDE28 + i + 1] = 255;
        }
        let skel = skeleton(&diagonal);
        assert_eq!(components(&skel, S, S, true), 1);
        let rows: Vec<usize> = (0..S)
            .map(|y| (0..S).filter(|&x| skel[y * S + x]).count())
            .collect();
        assert!(
            rows[5 * FINE..21 * FINE].iter().all(|&n| n == 1),
            "{rows:?}"
        );
        let length = rows.iter().sum::<usize>();
        assert!((16 * FINE..=20 * FINE).contains(&length), "{rows:?}");
        // Synthetic digits: one piece, one pixel wide.
        for (name, img) in digits() {
            let skel = skeleton(&img);
            assert_eq!(components(&skel, S, S, true), 1, "{name}");
            assert!(!has_2x2_block(&skel, S, S), "{name}");
        }
    }

    #[test]
    fn skeleton_of_blank_or_faint_image_is_empty() {
        assert!(skeleton(&[0u8; SIDE28 * SIDE28]).iter().all(|&b| !b));
        assert!(skeleton(&[INK_THRESHOLD - 1; SIDE28 * SIDE28])
            .iter()
            .all(|&b| !b));
        assert!(skeleton(&[]).iter().all(|&b| !b));
        assert_eq!(skeleton(&[]).len(), S * S);
    }

    #[test]
    fn the_ink_mask_is_the_digit_enlarged() {
        // A 2×2 block of full ink covers its fine pixels but the four corners (each
        // gets 0.75² of the ink: the block is rounded) and no others; a pixel just
        // below the threshold, nothing; so does a lone pixel (a speck, not a stroke).
        let mut img = bar(10, 12, 10, 12);
        img[3 * SIDE28 + 20] = INK_THRESHOLD - 1;
        img[20 * SIDE28 + 3] = 255;
        let mask = ink_mask(&img);
        let set: Vec<usize> = (0..S * S).filter(|&i| mask[i]).collect();
        assert_eq!(set.len(), 4 * FINE * FINE - 4, "{set:?}");
        assert!(set
            .iter()
            .all(|&i| img[source_pixel(i)] == 255 && source_pixel(i) != 20 * SIDE28 + 3));
        // A one-pixel line of full ink, straight or diagonal, stays one piece; two
        // strokes one background pixel apart stay apart.
        let mut lines = vec![0u8; SIDE28 * SIDE28];
        for y in 5..20 {
            lines[y * SIDE28 + 10] = 255;
            lines[y * SIDE28 + 12] = 255;
            lines[y * SIDE28 + y] = 255;
        }
        let mask = ink_mask(&lines);
        assert_eq!(components(&mask, S, S, true), 1);
        let mut parallel = vec![0u8; SIDE28 * SIDE28];
        for y in 5..20 {
            parallel[y * SIDE28 + 10] = 255;
            parallel[y * SIDE28 + 12] = 255;
        }
        assert_eq!(components(&ink_mask(&parallel), S, S, true), 2);
    }

    // ---- Segments -----------------------------------------------------------------

    #[test]
    fn segments_join_neighbours_once_and_skip_redundant_diagonals() {
        let side = 5;
        let mask = |pixels: &[(usize, usize)]| {
            let mut m = vec![false; side * side];
            for &(x, y) in pixels {
                m[y * side + x] = true;
            }
            m
        };
        let c = |x: usize, y: usize| (x as f32 + 0.5, y as f32 + 0.5);
        // A horizontal run of three: two links.
        assert_eq!(
            skeleton_segments(&mask(&[(1, 2), (2, 2), (3, 2)]), side),
            vec![(c(1, 2), c(2, 2)), (c(2, 2), c(3, 2))]
        );
        // An L of three: the two edge links, not the diagonal.
        let l = skeleton_segments(&mask(&[(1, 1), (2, 1), (2, 2)]), side);
        assert_eq!(l, vec![(c(1, 1), c(2, 1)), (c(2, 1), c(2, 2))]);
        // Pure diagonals (both directions) are joined.
        assert_eq!(
            skeleton_segments(&mask(&[(1, 1), (2, 2)]), side),
            vec![(c(1, 1), c(2, 2))]
        );
        assert_eq!(
            skeleton_segments(&mask(&[(3, 0), (2, 1)]), side),
            vec![(c(3, 0), c(2, 1))]
        );
        // An isolated pixel is a dot; nothing gives nothing.
        assert_eq!(
            skeleton_segments(&mask(&[(4, 4)]), side),
            vec![(c(4, 4), c(4, 4))]
        );
        assert!(skeleton_segments(&mask(&[]), side).is_empty());
        // A real skeleton: no pair twice.
        let segs = skeleton_segments(&skeleton(&two()), SIDE28);
        let mut keys: Vec<_> = segs
            .iter()
            .map(|&(a, b)| {
                let k = |p: Point| ((p.0 * 2.0) as i32, (p.1 * 2.0) as i32);
                if k(a) <= k(b) {
                    (k(a), k(b))
                } else {
                    (k(b), k(a))
                }
            })
            .collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn short_spurs_are_pruned_and_short_pieces_kept() {
        let side = 16;
        let row = 7;
        let line = |mask: &mut Vec<bool>| {
            for x in 1..15 {
                mask[row * side + x] = true;
            }
            // A free-standing two-pixel piece.
            mask[side + 13] = true;
            mask[side + 14] = true;
        };
        let mut expected = vec![false; side * side];
        line(&mut expected);
        // Side branches of one to MAX_SPUR pixels off the line are pruned; the line's
        // ends (beyond the junctions) stay.
        for length in 1..=MAX_SPUR {
            let mut mask = expected.clone();
            for y in row + 1..=row + length {
                mask[y * side + 7] = true;
            }
            prune_spurs(&mut mask, side, side);
            assert_eq!(mask, expected, "a branch of {length}");
        }
        // A branch one pixel longer is a stroke: kept.
        let mut mask = expected.clone();
        for y in row + 1..=row + MAX_SPUR + 1 {
            mask[y * side + 7] = true;
        }
        let before = mask.clone();
        prune_spurs(&mut mask, side, side);
        assert_eq!(mask, before);
    }
}
