#ifndef HV_SINGLETON_H_
#define HV_SINGLETON_H_

/*
 * singleton.h (C++) - lazily created, explicitly destroyed singletons.
 *
 *   class Foo {
 *       SINGLETON_DECL(Foo)     // leaves the access level at `private:`
 *   public:
 *       ...
 *   };
 *   SINGLETON_IMPL(Foo)         // in exactly one .cpp file
 *
 * Foo::instance() creates the object on first use (thread-safe).
 * Foo::exitInstance() deletes it; instance() returns NULL afterwards.
 */

#include <mutex>

#define DISABLE_COPY(Class) \
    Class(const Class&) = delete; \
    Class& operator=(const Class&) = delete;

#define SINGLETON_DECL(Class) \
    public: \
        static Class* instance(); \
        static void exitInstance(); \
    private: \
        DISABLE_COPY(Class) \
        static Class* s_pInstance; \
        static std::once_flag s_initFlag; \
        static std::mutex s_mutex;

#define SINGLETON_IMPL(Class) \
    Class* Class::s_pInstance = NULL; \
    std::once_flag Class::s_initFlag; \
    std::mutex Class::s_mutex; \
    Class* Class::instance() { \
        std::call_once(s_initFlag, []() { \
            Class* created = new Class; \
            std::lock_guard<std::mutex> guard(s_mutex); \
            s_pInstance = created; \
        }); \
        std::lock_guard<std::mutex> guard(s_mutex); \
        return s_pInstance; \
    } \
    void Class::exitInstance() { \
        Class* doomed = NULL; \
        { \
            std::lock_guard<std::mutex> guard(s_mutex); \
            doomed = s_pInstance; \
            s_pInstance = NULL; \
        } \
        delete doomed; \
    }

#endif /* HV_SINGLETON_H_ */
