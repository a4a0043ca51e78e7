#ifndef HV_BUFFER_HPP_
#define HV_BUFFER_HPP_

#include <memory>

#include "hbuf.h"

namespace hv {

/* The Buffer handed to callbacks is a view of the library's bytes, valid during the call. */
typedef HBuf Buffer;
typedef std::shared_ptr<Buffer> BufferPtr;

} // namespace hv

#endif // HV_BUFFER_HPP_
