// zlib's inflateInit2 is a macro, which Swift cannot call; this is the whole of what the platform needs.
#include <zlib.h>
#include "cgzip.h"

int cgzip_inflate(const uint8_t *input, size_t length, uint8_t *output, size_t capacity, size_t *written) {
    *written = 0;
    if (length > UINT32_MAX || capacity > UINT32_MAX) return 1;
    z_stream stream = {0};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return -1;  // 16: gzip framing only
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)length;
    stream.next_out = output;
    stream.avail_out = (uInt)capacity;
    int status = inflate(&stream, Z_FINISH);
    *written = capacity - stream.avail_out;
    inflateEnd(&stream);
    if (status == Z_STREAM_END) return 0;
    if (status == Z_BUF_ERROR && stream.avail_out == 0) return 1;
    return -1;
}
