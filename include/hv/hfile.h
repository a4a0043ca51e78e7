#ifndef HV_FILE_H_
#define HV_FILE_H_

/*
 * hfile.h (C++) - HFile, a small RAII wrapper around a stdio FILE*.
 */

#include <string>

#include "hplatform.h"
#include "hbuf.h"

class HFile {
public:
    HFile() : fp(NULL) {
        filepath[0] = '\0';
    }

    ~HFile() {
        close();
    }

    /* An HFile owns its FILE*: it can be moved but not copied. */
    HFile(HFile&& other) : fp(other.fp) {
        memcpy(filepath, other.filepath, sizeof(filepath));
        other.fp = NULL;
    }

    HFile& operator=(HFile&& other) {
        if (this != &other) {
            close();
            memcpy(filepath, other.filepath, sizeof(filepath));
            fp = other.fp;
            other.fp = NULL;
        }
        return *this;
    }

    HFile(const HFile&) = delete;
    HFile& operator=(const HFile&) = delete;

    /* fopen(filepath, mode); returns 0 or errno. */
    int open(const char* filepath, const char* mode) {
        close();
        hv_strncpy(this->filepath, filepath, sizeof(this->filepath));
        fp = fopen(filepath, mode);
        return fp ? 0 : errno;
    }

    void close() {
        if (fp) {
            fclose(fp);
            fp = NULL;
        }
    }

    bool isopen() {
        return fp != NULL;
    }

    /* Close, then delete / rename the file on disk. */
    int remove() {
        close();
        return ::remove(filepath);
    }

    int rename(const char* newpath) {
        close();
        return ::rename(filepath, newpath);
    }

    size_t read(void* ptr, size_t len) {
        return fread(ptr, 1, len, fp);
    }

    size_t write(const void* ptr, size_t len) {
        return fwrite(ptr, 1, len, fp);
    }

    size_t write(const std::string& str) {
        return write(str.data(), str.size());
    }

    int seek(size_t offset, int whence = SEEK_SET) {
        return fseek(fp, (long)offset, whence);
    }

    int tell() {
        return (int)ftell(fp);
    }

    int flush() {
        return fflush(fp);
    }

    /* Size of the file at filepath (0 if it cannot be stat'ed). */
    static size_t size(const char* filepath) {
        struct stat st;
        if (stat(filepath, &st) != 0) return 0;
        return (size_t)st.st_size;
    }

    size_t size() {
        return HFile::size(filepath);
    }

    /* Read the whole file (from the current position) into buf / str. */
    size_t readall(HBuf& buf) {
        size_t total = size();
        if (total == 0) return 0;
        buf.resize(total);
        return fread(buf.base, 1, total, fp);
    }

    size_t readall(std::string& str) {
        size_t total = size();
        if (total == 0) return 0;
        str.resize(total);
        size_t got = fread(&str[0], 1, total, fp);
        str.resize(got);
        return got;
    }

    /* One line without its terminator (LF, CRLF or a lone CR).
     * Returns false at end of file when nothing was read. */
    bool readline(std::string& str) {
        str.clear();
        int c;
        while ((c = fgetc(fp)) != EOF) {
            if (c == '\n') return true;
            if (c == '\r') {
                int next = fgetc(fp);
                if (next != '\n' && next != EOF) ungetc(next, fp);
                return true;
            }
            str += (char)c;
        }
        return !str.empty();
    }

    /* Bytes [from, to] (inclusive); to == 0 or past the end means "to the
     * last byte".  Returns the number of bytes read. */
    int readrange(std::string& str, size_t from = 0, size_t to = 0) {
        size_t total = size();
        if (total == 0) return 0;
        if (to == 0 || to >= total) to = total - 1;
        if (from > to) {
            str.clear();
            return 0;
        }
        size_t want = to - from + 1;
        str.resize(want);
        fseek(fp, (long)from, SEEK_SET);
        size_t got = fread(&str[0], 1, want, fp);
        str.resize(got);
        return (int)got;
    }

public:
    char  filepath[MAX_PATH];
    FILE* fp;
};

#endif /* HV_FILE_H_ */
