#ifndef HV_DIR_H_
#define HV_DIR_H_

/*
 * hdir.h (C++) - listdir(): the entries of a directory, like `ls -a`.
 *
 *   std::list<hdir_t> entries;
 *   listdir(".", entries);
 *   for (auto& e : entries) printf("%c %s\n", e.type, e.name);
 */

#include <string.h>
#include <time.h>

#include <list>
#include <string>

#include "hexport.h"
#include "hplatform.h"

typedef struct hdir_s {
    char    name[256];
    char    type;       /* f:file d:dir l:link b:block c:char s:socket p:pipe -:other */
    char    reserverd;
    unsigned short mode;/* permission bits (st_mode & 0777) */
    size_t  size;
    time_t  atime;
    time_t  mtime;
    time_t  ctime;
} hdir_t;

inline char hvh_dir_type_char(mode_t m) {
    if (S_ISREG(m))  return 'f';
    if (S_ISDIR(m))  return 'd';
    if (S_ISLNK(m))  return 'l';
    if (S_ISBLK(m))  return 'b';
    if (S_ISCHR(m))  return 'c';
    if (S_ISSOCK(m)) return 's';
    if (S_ISFIFO(m)) return 'p';
    return '-';
}

/*
 * Fill dirs with every entry of dir (including "." and ".."), sorted by
 * name, case-insensitively.  Entries that cannot be lstat'ed keep only
 * their name.  Returns the number of entries or -1.
 */
inline int listdir(const char* dir, std::list<hdir_t>& dirs) {
    size_t dirlen = strlen(dir);
    if (dirlen == 0 || dirlen > 256) {
        return -1;
    }
    dirs.clear();
    DIR* dp = opendir(dir);
    if (dp == NULL) return -1;

    std::string prefix(dir);
    if (prefix[prefix.size() - 1] != '/') prefix += '/';

    struct dirent* ent;
    while ((ent = readdir(dp)) != NULL) {
        hdir_t item;
        struct stat st;
        memset(&item, 0, sizeof(item));
        size_t namelen = strlen(ent->d_name);
        if (namelen >= sizeof(item.name)) namelen = sizeof(item.name) - 1;
        memcpy(item.name, ent->d_name, namelen);
        std::string full = prefix + ent->d_name;
        if (lstat(full.c_str(), &st) == 0) {
            item.type = hvh_dir_type_char(st.st_mode);
            item.mode = (unsigned short)(st.st_mode & 0777);
            item.size = (size_t)st.st_size;
            item.atime = st.st_atime;
            item.mtime = st.st_mtime;
            item.ctime = st.st_ctime;
        }
        dirs.push_back(item);
    }
    closedir(dp);

    struct NameLess {
        bool operator()(const hdir_t& a, const hdir_t& b) const {
            return strcasecmp(a.name, b.name) < 0;
        }
    };
    dirs.sort(NameLess());
    return (int)dirs.size();
}

#endif /* HV_DIR_H_ */
