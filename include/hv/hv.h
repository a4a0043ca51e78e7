#ifndef HV_H_
#define HV_H_

/*
 * hv.h - umbrella header: every base header of the libhv 1.3.3 API
 * (C and, when compiling C++, the C++ utilities).
 */

/* platform */
#include "hconfig.h"
#include "hexport.h"
#include "hplatform.h"

/* C */
#include "hdef.h"
#include "hatomic.h"
#include "herr.h"
#include "htime.h"
#include "hmath.h"

#include "hbase.h"
#include "hversion.h"
#include "hsysinfo.h"
#include "hproc.h"
#include "hthread.h"
#include "hmutex.h"
#include "hsocket.h"

#include "hlog.h"
#include "hbuf.h"

/* C++ */
#ifdef __cplusplus
#include "hmap.h"
#include "hstring.h"
#include "hfile.h"
#include "hpath.h"
#include "hdir.h"
#include "hurl.h"
#endif

#endif /* HV_H_ */
