// How the C API reports errors: -1 (or NULL) with errno set, as libzmq does.
#pragma once

#include <cerrno>

namespace zmtp::capi {

/// Sets errno to `error` and returns -1, the C API's failure value.
inline int fail(int error) noexcept
{
    errno = error;
    return -1;
}

/// Sets errno to `error` and returns a null pointer of type T*.
template <class T>
T* fail_null(int error) noexcept
{
    errno = error;
    return nullptr;
}

} // namespace zmtp::capi
