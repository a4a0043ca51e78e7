#ifndef HV_BUF_H_
#define HV_BUF_H_

/*
 * hbuf.h - plain buffer descriptors (C) and the HBuf / HVLBuf / HRingBuf
 * buffer classes (C++).
 */

#include "hdef.h"
#include "hbase.h"

/* (base, len) view of some bytes. */
typedef struct hbuf_s {
    char*  base;
    size_t len;

#ifdef __cplusplus
    hbuf_s() : base(NULL), len(0) {}
    hbuf_s(void* data, size_t len) : base((char*)data), len(len) {}
#endif
} hbuf_t;

/* Buffer plus a read/write position. */
typedef struct offset_buf_s {
    char*   base;
    size_t  len;
    size_t  offset;

#ifdef __cplusplus
    offset_buf_s() : base(NULL), len(0), offset(0) {}
    offset_buf_s(void* data, size_t len) : base((char*)data), len(len), offset(0) {}
#endif
} offset_buf_t;

/* Buffer used as a FIFO: valid bytes are [head, tail). */
typedef struct fifo_buf_s {
    char*  base;
    size_t len;
    size_t head;
    size_t tail;

#ifdef __cplusplus
    fifo_buf_s() : base(NULL), len(0), head(0), tail(0) {}
    fifo_buf_s(void* data, size_t len) : base((char*)data), len(len), head(0), tail(0) {}
#endif
} fifo_buf_t;

#ifdef __cplusplus

/*
 * HBuf: either a non-owning view of caller memory (HBuf(data, len)) or an
 * owned heap block (HBuf(cap), resize(), copy()).  Owned memory is freed
 * by the destructor and by cleanup().  Copying an owning HBuf copies the
 * bytes; copying a view copies the view.
 */
class HBuf : public hbuf_t {
public:
    HBuf() : hbuf_t(), cleanup_(false) {}
    HBuf(void* data, size_t len) : hbuf_t(data, len), cleanup_(false) {}
    HBuf(size_t cap) : hbuf_t(), cleanup_(false) { resize(cap); }

    HBuf(const HBuf& other) : hbuf_t(), cleanup_(false) { assignFrom(other); }

    HBuf& operator=(const HBuf& other) {
        if (this != &other) {
            cleanup();
            base = NULL;
            len = 0;
            assignFrom(other);
        }
        return *this;
    }

    virtual ~HBuf() { cleanup(); }

    void*  data() { return base; }
    size_t size() { return len; }

    bool isNull() { return base == NULL || len == 0; }

    /* Release owned memory (a view is left untouched). */
    void cleanup() {
        if (cleanup_) {
            HV_FREE(base);
            len = 0;
            cleanup_ = false;
        }
    }

    /* Make the buffer exactly `cap` bytes, keeping the leading bytes and
     * zero-filling any growth.  A view becomes an owned copy. */
    void resize(size_t cap) {
        if (cap == len && (cleanup_ || base == NULL)) return;
        if (cleanup_) {
            base = (char*)hv_realloc(base, cap, len);
        } else {
            char* fresh = NULL;
            HV_ALLOC(fresh, cap);
            if (base && len) memcpy(fresh, base, len < cap ? len : cap);
            base = fresh;
        }
        len = cap;
        cleanup_ = true;
    }

    /* Own a copy of data[0, len). */
    void copy(void* data, size_t len) {
        resize(len);
        if (len) memcpy(base, data, len);
    }

    void copy(hbuf_t* buf) { copy(buf->base, buf->len); }

private:
    void assignFrom(const HBuf& other) {
        if (other.cleanup_) {
            if (other.len) copy(other.base, other.len);
        } else {
            base = other.base;
            len = other.len;
        }
    }

    bool cleanup_;
};

/*
 * HVLBuf (variable length): the valid bytes are [data(), data()+size())
 * somewhere inside the allocation; bytes can be pushed and popped at both
 * ends.  The allocation doubles when it runs out of room.
 */
class HVLBuf : public HBuf {
public:
    HVLBuf() : HBuf(), _offset(0), _size(0) {}
    HVLBuf(void* data, size_t len) : HBuf(data, len), _offset(0), _size(len) {}
    HVLBuf(size_t cap) : HBuf(cap), _offset(0), _size(0) {}
    virtual ~HVLBuf() {}

    char*  data() { return base + _offset; }
    size_t size() { return _size; }

    void push_front(void* ptr, size_t len) {
        if (len > this->len - _size) {
            grow(len);
        }
        if (_offset < len) {
            /* slide the content to the very end to open room in front */
            size_t dst = this->len - _size;
            memmove(base + dst, base + _offset, _size);
            _offset = dst;
        }
        _offset -= len;
        memcpy(base + _offset, ptr, len);
        _size += len;
    }

    void push_back(void* ptr, size_t len) {
        if (len > this->len - _size) {
            grow(len);
        } else if (len > this->len - _offset - _size) {
            /* enough room overall, but not after the content: compact */
            memmove(base, base + _offset, _size);
            _offset = 0;
        }
        memcpy(base + _offset + _size, ptr, len);
        _size += len;
    }

    /* Remove len bytes from the front (copying them to ptr if not NULL). */
    void pop_front(void* ptr, size_t len) {
        if (len > _size) return;
        if (ptr) memcpy(ptr, data(), len);
        _offset += len;
        if (_offset >= this->len) _offset = 0;
        _size -= len;
    }

    /* Remove len bytes from the back (copying them to ptr if not NULL). */
    void pop_back(void* ptr, size_t len) {
        if (len > _size) return;
        if (ptr) memcpy(ptr, data() + _size - len, len);
        _size -= len;
    }

    void clear() { _offset = _size = 0; }

    void prepend(void* ptr, size_t len) { push_front(ptr, len); }
    void append(void* ptr, size_t len) { push_back(ptr, len); }
    void insert(void* ptr, size_t len) { push_back(ptr, len); }
    void remove(size_t len) { pop_front(NULL, len); }

private:
    void grow(size_t need) {
        size_t cap = this->len > need ? this->len : need;
        resize(cap * 2);
    }

    size_t _offset;
    size_t _size;
};

/*
 * HRingBuf: hands out contiguous chunks with alloc(len) and takes them
 * back, oldest first, with free(len).  A chunk never wraps around the end
 * of the storage.
 */
class HRingBuf : public HBuf {
public:
    HRingBuf() : HBuf(), _head(0), _tail(0), _size(0) {}
    HRingBuf(size_t cap) : HBuf(cap), _head(0), _tail(0), _size(0) {}
    virtual ~HRingBuf() {}

    /* A chunk of len contiguous bytes, or NULL if none is available. */
    char* alloc(size_t len) {
        char* chunk = NULL;
        if (_size == 0 || _head < _tail) {
            /* free space: [_tail, end) and then [0, _head) */
            if (this->len - _tail >= len) {
                chunk = base + _tail;
                _tail += len;
                if (_tail == this->len) _tail = 0;
            } else if (_head >= len) {
                chunk = base;
                _tail = len;
            }
        } else if (_head - _tail >= len) {
            /* free space: [_tail, _head) */
            chunk = base + _tail;
            _tail += len;
        }
        if (chunk) _size += len;
        return chunk;
    }

    /* Give back the oldest len bytes. */
    void free(size_t len) {
        _size -= len;
        if (len <= this->len - _head) {
            _head += len;
            if (_head == this->len) _head = 0;
        } else {
            _head = len; /* the oldest chunk was placed at the start */
        }
    }

    void clear() { _head = _tail = _size = 0; }

    size_t size() { return _size; }

private:
    size_t _head;
    size_t _tail;
    size_t _size;
};

#endif /* __cplusplus */

#endif /* HV_BUF_H_ */
