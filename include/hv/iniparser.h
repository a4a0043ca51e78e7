#ifndef HV_INI_PARSER_H_
#define HV_INI_PARSER_H_

/*
 * iniparser.h (C++) - IniParser: load, query, edit and save INI-style
 * configuration text (the format of libhv's etc/httpd.conf).  Header-only.
 *
 *   # whole-line comments and blank lines are kept as written
 *   key = value         # trailing comment, kept after the pair
 *   [section]
 *   other = some value with spaces
 *
 * A line is split at the first character that belongs to _comment (any of
 * its characters starts a comment) and then at the first character that
 * belongs to _delim.  Keys, values and section names are trimmed.  Pairs that
 * come before the first [section] belong to the unnamed top level, which the
 * empty section name "" selects.  Lines that are neither a section, a pair, a
 * comment nor blank are skipped.  Saving writes every pair as
 * "key <delim> value" and keeps comments and blank lines where they were.
 */

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <list>
#include <memory>
#include <string>

#include "hexport.h"
#include "hplatform.h"
#include "herr.h"
#include "hbase.h"
#include "hstring.h"
#include "hfile.h"

#define DEFAULT_INI_COMMENT "#"
#define DEFAULT_INI_DELIM   "="

/*
 * One element of a parsed document.  The root holds the top-level pairs,
 * the sections and the comment blocks; a section holds its pairs and comment
 * blocks; a pair may hold one trailing comment.  Every node owns its
 * children; copying a node copies the whole subtree.
 */
class IniNode {
public:
    enum Type {
        INI_NODE_TYPE_UNKNOWN,
        INI_NODE_TYPE_ROOT,
        INI_NODE_TYPE_SECTION,
        INI_NODE_TYPE_KEY_VALUE,
        INI_NODE_TYPE_DIV,      /* comment lines and blank lines, verbatim */
        INI_NODE_TYPE_SPAN,     /* comment at the end of a section/pair line */
    };

    Type        type;
    std::string label;  /* section name, key, or comment text */
    std::string value;  /* value of a pair */
    std::list<std::unique_ptr<IniNode> > children;

    explicit IniNode(Type t = INI_NODE_TYPE_UNKNOWN,
                     const std::string& lbl = std::string(),
                     const std::string& val = std::string())
        : type(t), label(lbl), value(val) {}

    IniNode(const IniNode& other)
        : type(other.type), label(other.label), value(other.value) {
        CopyChildrenFrom(other);
    }

    IniNode& operator=(const IniNode& other) {
        if (this != &other) {
            IniNode tmp(other);
            *this = std::move(tmp);
        }
        return *this;
    }

    IniNode(IniNode&& other)
        : type(other.type), label(std::move(other.label)),
          value(std::move(other.value)), children(std::move(other.children)) {}

    IniNode& operator=(IniNode&& other) {
        if (this != &other) {
            type = other.type;
            label = std::move(other.label);
            value = std::move(other.value);
            children = std::move(other.children);
        }
        return *this;
    }

    virtual ~IniNode() {}

    /* Appends pNode, which must come from `new`; the node takes ownership.
     * NULL is ignored.  Returns pNode. */
    IniNode* Add(IniNode* pNode) {
        if (pNode != NULL) {
            children.push_back(std::unique_ptr<IniNode>(pNode));
        }
        return pNode;
    }

    /* Appends a new child and returns it (still owned by this node). */
    IniNode* AddNew(Type t, const std::string& lbl,
                    const std::string& val = std::string()) {
        return Add(new IniNode(t, lbl, val));
    }

    /* Removes and frees the direct child pNode, if it is one. */
    void Del(IniNode* pNode) {
        for (std::list<std::unique_ptr<IniNode> >::iterator it = children.begin();
             it != children.end(); ++it) {
            if (it->get() == pNode) {
                children.erase(it);
                return;
            }
        }
    }

    /* First direct child with this label and type, or NULL. */
    IniNode* Get(const std::string& lbl, Type t = INI_NODE_TYPE_KEY_VALUE) const {
        for (std::list<std::unique_ptr<IniNode> >::const_iterator it = children.begin();
             it != children.end(); ++it) {
            if ((*it)->type == t && (*it)->label == lbl) {
                return it->get();
            }
        }
        return NULL;
    }

private:
    void CopyChildrenFrom(const IniNode& other) {
        for (std::list<std::unique_ptr<IniNode> >::const_iterator it = other.children.begin();
             it != other.children.end(); ++it) {
            children.push_back(std::unique_ptr<IniNode>(new IniNode(**it)));
        }
    }
};

class IniParser {
public:
    IniParser()
        : _comment(DEFAULT_INI_COMMENT), _delim(DEFAULT_INI_DELIM) {}

    ~IniParser() {
        Unload();
    }

    /* Copies are independent documents (deep copy). */
    IniParser(const IniParser& other)
        : _comment(other._comment), _delim(other._delim), _filepath(other._filepath),
          root_(other.root_ ? new IniNode(*other.root_) : NULL) {}

    IniParser& operator=(const IniParser& other) {
        if (this != &other) {
            std::unique_ptr<IniNode> copy(other.root_ ? new IniNode(*other.root_) : NULL);
            _comment = other._comment;
            _delim = other._delim;
            _filepath = other._filepath;
            root_ = std::move(copy);
        }
        return *this;
    }

    /* Reads the whole file (a leading UTF-8 BOM is skipped) and parses it
     * like LoadFromMem.  Remembers filepath for Save() and Reload(), even
     * when opening fails.  Returns 0, ERR_OPEN_FILE, or ERR_NULL_POINTER
     * when filepath is NULL (nothing changes then). */
    int LoadFromFile(const char* filepath) {
        if (filepath == NULL) return ERR_NULL_POINTER;
        /* filepath may point into _filepath itself (Reload). */
        std::string path(filepath);
        _filepath = path;

        HFile file;
        if (file.open(path.c_str(), "r") != 0) {
            return ERR_OPEN_FILE;
        }
        std::string text;
        char chunk[8192];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), file.fp)) > 0) {
            text.append(chunk, got);
        }
        file.close();

        const char* start = text.c_str();
        if (text.size() >= 3 && (unsigned char)text[0] == 0xEF &&
            (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) {
            start += 3;
        }
        /* Like libhv, the text ends at the first NUL byte. */
        return LoadFromMem(start);
    }

    /* Replaces the document with the parsed text (NULL counts as "").
     * Always returns 0: malformed lines are skipped, not reported. */
    int LoadFromMem(const char* data) {
        Unload();
        root_.reset(new IniNode(IniNode::INI_NODE_TYPE_ROOT));
        if (data == NULL) return 0;

        const std::string text(data);
        IniNode* scope = root_.get();   /* where pairs and comment blocks go */
        std::string pending_div;        /* comment/blank lines not yet stored */
        std::string::size_type from = 0;
        while (from < text.size()) {
            /* One line without its '\n' (a '\r' stays and is trimmed below). */
            std::string::size_type eol = text.find('\n', from);
            if (eol == std::string::npos) eol = text.size();
            const std::string line = text.substr(from, eol - from);
            from = eol + 1;

            std::string content = hv::ltrim(line);
            if (content.empty()) {
                pending_div += '\n';
                continue;
            }

            std::string tail_comment;
            std::string::size_type at = content.find_first_of(_comment);
            if (at != std::string::npos) {
                tail_comment = content.substr(at);
                content.erase(at);
            }
            content = hv::rtrim(content);
            if (content.empty()) {
                /* a comment-only line: kept verbatim */
                pending_div += line;
                pending_div += '\n';
                continue;
            }
            if (!pending_div.empty()) {
                scope->AddNew(IniNode::INI_NODE_TYPE_DIV, pending_div);
                pending_div.clear();
            }

            IniNode* node = NULL;
            if (content[0] == '[') {
                if (content[content.size() - 1] != ']') {
                    continue;   /* "[name" without "]": skipped */
                }
                node = root_->AddNew(IniNode::INI_NODE_TYPE_SECTION,
                                     hv::trim(content.substr(1, content.size() - 2)));
                scope = node;
            } else {
                at = content.find_first_of(_delim);
                if (at == std::string::npos) {
                    continue;   /* no delimiter: skipped */
                }
                std::string::size_type value_at = at + _delim.size();
                if (value_at > content.size()) value_at = content.size();
                node = scope->AddNew(IniNode::INI_NODE_TYPE_KEY_VALUE,
                                     hv::trim(content.substr(0, at)),
                                     hv::trim(content.substr(value_at)));
            }

            if (!tail_comment.empty()) {
                node->AddNew(IniNode::INI_NODE_TYPE_SPAN, tail_comment);
            }
        }

        /* comment/blank lines at the end of the text */
        if (!pending_div.empty()) {
            root_->AddNew(IniNode::INI_NODE_TYPE_DIV, pending_div);
        }
        return 0;
    }

    /* Drops the document; Get* then find nothing. */
    int Unload() {
        root_.reset();
        return 0;
    }

    /* LoadFromFile(_filepath). */
    int Reload() {
        return LoadFromFile(_filepath.c_str());
    }

    /* The document as text ("" when nothing is loaded).  The text does not
     * end with a newline unless the document ends with blank/comment lines. */
    std::string DumpString() {
        std::string str;
        DumpString(root_.get(), str);
        return str;
    }

    /* SaveAs(_filepath). */
    int Save() {
        return SaveAs(_filepath.c_str());
    }

    /* Writes DumpString() to filepath, replacing the file.  An empty
     * document writes nothing and returns 0.  Returns ERR_SAVE_FILE when the
     * file cannot be opened or written, ERR_NULL_POINTER for NULL. */
    int SaveAs(const char* filepath) {
        if (filepath == NULL) return ERR_NULL_POINTER;
        std::string str = DumpString();
        if (str.empty()) {
            return 0;
        }
        HFile file;
        if (file.open(filepath, "w") != 0) {
            return ERR_SAVE_FILE;
        }
        if (file.write(str.data(), str.size()) != str.size() || file.flush() != 0) {
            return ERR_SAVE_FILE;
        }
        return 0;
    }

    /* Section names in document order (duplicates included). */
    std::list<std::string> GetSections() {
        std::list<std::string> names;
        if (!root_) return names;
        for (std::list<std::unique_ptr<IniNode> >::const_iterator it = root_->children.begin();
             it != root_->children.end(); ++it) {
            if ((*it)->type == IniNode::INI_NODE_TYPE_SECTION) {
                names.push_back((*it)->label);
            }
        }
        return names;
    }

    /* Keys of a section in document order; "" means the top level.  Empty
     * when the section does not exist. */
    std::list<std::string> GetKeys(const std::string& section = "") {
        std::list<std::string> keys;
        const IniNode* scope = FindScope(section);
        if (scope == NULL) return keys;
        for (std::list<std::unique_ptr<IniNode> >::const_iterator it = scope->children.begin();
             it != scope->children.end(); ++it) {
            if ((*it)->type == IniNode::INI_NODE_TYPE_KEY_VALUE) {
                keys.push_back((*it)->label);
            }
        }
        return keys;
    }

    /* Value of key in section ("" = top level); "" when absent.  With
     * repeated sections or keys the first one wins. */
    std::string GetValue(const std::string& key, const std::string& section = "") {
        const IniNode* scope = FindScope(section);
        if (scope == NULL) return "";
        const IniNode* pair = scope->Get(key, IniNode::INI_NODE_TYPE_KEY_VALUE);
        return pair ? pair->value : std::string();
    }

    /* Sets (or appends) key in section, creating the section at the end of
     * the document (and the document itself) when needed. */
    void SetValue(const std::string& key, const std::string& value, const std::string& section = "") {
        if (!root_) {
            root_.reset(new IniNode(IniNode::INI_NODE_TYPE_ROOT));
        }
        IniNode* scope = root_.get();
        if (!section.empty()) {
            scope = root_->Get(section, IniNode::INI_NODE_TYPE_SECTION);
            if (scope == NULL) {
                scope = root_->AddNew(IniNode::INI_NODE_TYPE_SECTION, section);
            }
        }
        IniNode* pair = scope->Get(key, IniNode::INI_NODE_TYPE_KEY_VALUE);
        if (pair == NULL) {
            pair = scope->AddNew(IniNode::INI_NODE_TYPE_KEY_VALUE, key);
        }
        pair->value = value;
    }

    /* Typed access; defined for T = bool, int and float (below).
     * Get returns defvalue when the value is absent or empty. */
    template<typename T>
    T Get(const std::string& key, const std::string& section = "", T defvalue = 0);

    template<typename T>
    void Set(const std::string& key, const T& value, const std::string& section = "");

protected:
    /* Appends pNode and its subtree to str. */
    void DumpString(IniNode* pNode, std::string& str) {
        if (pNode == NULL) return;
        /* everything but a trailing comment starts on a new line */
        if (pNode->type != IniNode::INI_NODE_TYPE_SPAN &&
            !str.empty() && str[str.size() - 1] != '\n') {
            str += '\n';
        }
        switch (pNode->type) {
        case IniNode::INI_NODE_TYPE_SECTION:
            str += '[';
            str += pNode->label;
            str += ']';
            break;
        case IniNode::INI_NODE_TYPE_KEY_VALUE:
            str += pNode->label;
            str += ' ';
            str += _delim;
            str += ' ';
            str += pNode->value;
            break;
        case IniNode::INI_NODE_TYPE_DIV:
            str += pNode->label;
            break;
        case IniNode::INI_NODE_TYPE_SPAN:
            str += '\t';
            str += pNode->label;
            break;
        default:
            break;
        }
        for (std::list<std::unique_ptr<IniNode> >::const_iterator it = pNode->children.begin();
             it != pNode->children.end(); ++it) {
            DumpString(it->get(), str);
        }
    }

private:
    /* The root for "", else the first section with that name; NULL if none. */
    const IniNode* FindScope(const std::string& section) const {
        if (!root_) return NULL;
        if (section.empty()) return root_.get();
        return root_->Get(section, IniNode::INI_NODE_TYPE_SECTION);
    }

public:
    std::string _comment;   /* characters that start a comment */
    std::string _delim;     /* key/value delimiter */
    std::string _filepath;  /* last LoadFromFile path, used by Save/Reload */

private:
    std::unique_ptr<IniNode> root_;
};

/* "1", "y", "on", "yes", "true", "enable" (any case) are true; other
 * non-empty text is false. */
template<>
inline bool IniParser::Get<bool>(const std::string& key, const std::string& section, bool defvalue) {
    std::string str = GetValue(key, section);
    return str.empty() ? defvalue : hv_getboolean(str.c_str());
}

/* Leading decimal integer like atoi ("75000 ms" -> 75000, "abc" -> 0);
 * out-of-range numbers saturate at INT_MIN / INT_MAX. */
template<>
inline int IniParser::Get<int>(const std::string& key, const std::string& section, int defvalue) {
    std::string str = GetValue(key, section);
    if (str.empty()) return defvalue;
    long n = strtol(str.c_str(), NULL, 10);
    if (n > INT_MAX) return INT_MAX;
    if (n < INT_MIN) return INT_MIN;
    return (int)n;
}

/* Leading number like atof; magnitudes beyond FLT_MAX become +/-infinity. */
template<>
inline float IniParser::Get<float>(const std::string& key, const std::string& section, float defvalue) {
    std::string str = GetValue(key, section);
    if (str.empty()) return defvalue;
    double d = strtod(str.c_str(), NULL);
    if (d > FLT_MAX) return HUGE_VALF;
    if (d < -FLT_MAX) return -HUGE_VALF;
    return (float)d;
}

/* Stored as "true" / "false". */
template<>
inline void IniParser::Set<bool>(const std::string& key, const bool& value, const std::string& section) {
    SetValue(key, value ? "true" : "false", section);
}

template<>
inline void IniParser::Set<int>(const std::string& key, const int& value, const std::string& section) {
    SetValue(key, hv::asprintf("%d", value), section);
}

/* printf "%f": six decimals ("1.500000"). */
template<>
inline void IniParser::Set<float>(const std::string& key, const float& value, const std::string& section) {
    SetValue(key, hv::asprintf("%f", (double)value), section);
}

#endif /* HV_INI_PARSER_H_ */
