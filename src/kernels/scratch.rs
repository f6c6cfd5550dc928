//! Reusable scratch buffers for the kernels.
//!
//! A training step needs the same few large buffers (patches, conv outputs and their
//! gradients: up to a few MB) over and over. Allocating them fresh costs a `memset` (or,
//! for large blocks, page faults) every time, which was a tenth of the training time.
//! [`Buffer`]s come from a small per-thread free list and go back to it when dropped.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// At most this many idle buffers are kept per thread.
const KEEP: usize = 16;

thread_local! {
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A `len`-value buffer that returns to the free list when dropped.
#[derive(Debug)]
pub struct Buffer(Vec<f32>);

impl Buffer {
    /// A buffer whose values are unspecified (finite or not): for outputs that are
    /// written in full before they are read.
    pub fn scratch(len: usize) -> Self {
        let reused = FREE.with(|free| {
            let mut free = free.borrow_mut();
            // The smallest idle buffer that is large enough.
            let best = free
                .iter()
                .enumerate()
                .filter(|(_, v)| v.capacity() >= len)
                .min_by_key(|(_, v)| v.capacity())
                .map(|(i, _)| i);
            best.map(|i| free.swap_remove(i))
        });
        let mut values = reused.unwrap_or_else(|| Vec::with_capacity(len));
        if values.len() >= len {
            values.truncate(len);
        } else {
            values.resize(len, 0.0);
        }
        Self(values)
    }

    /// A buffer of zeros.
    pub fn zeroed(len: usize) -> Self {
        let mut buffer = Self::scratch(len);
        buffer.fill(0.0);
        buffer
    }
}

impl Deref for Buffer {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let values = std::mem::take(&mut self.0);
        // During thread teardown the list may be gone: then the memory is just freed.
        let _ = FREE.try_with(|free| {
            if let Ok(mut free) = free.try_borrow_mut() {
                if free.len() < KEEP {
                    free.push(values);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_have_the_asked_length_and_are_reused() {
        let first = Buffer::scratch(1000);
        assert_eq!(first.len(), 1000);
        let address = first.as_ptr();
        drop(first);
        let again = Buffer::zeroed(800);
        assert_eq!(again.len(), 800);
        assert_eq!(again.as_ptr(), address, "the idle buffer is reused");
        assert!(again.iter().all(|&v| v == 0.0));
        let bigger = Buffer::scratch(5000);
        assert_eq!(bigger.len(), 5000);
    }
}
