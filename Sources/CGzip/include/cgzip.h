#ifndef CGZIP_H
#define CGZIP_H

#include <stddef.h>
#include <stdint.h>

/// Inflates one gzip stream of `input` into `output` (at most `capacity` bytes; nothing is
/// allocated, so a small archive that would inflate without end stops at the cap).
/// 0: done, `*written` bytes; 1: the output would exceed `capacity`; -1: not gzip or corrupt.
int cgzip_inflate(const uint8_t *input, size_t length, uint8_t *output, size_t capacity, size_t *written);

#endif
