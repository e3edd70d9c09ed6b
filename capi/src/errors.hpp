// How the C API reports errors: -1 (or NULL) with errno set, as libzmq does.
#pragma once

#include <cerrno>
#include <system_error>

namespace zmtp::capi {

/// The errno value libzmq gives for what `ec` says (zmtp::errc, or a system error as it is).
int errno_of(std::error_code ec) noexcept;

/// Sets errno for `ec` and returns -1.
inline int fail(std::error_code ec) noexcept;

/// Sets errno to `error` and returns -1, the C API's failure value.
inline int fail(int error) noexcept
{
    errno = error;
    return -1;
}

inline int fail(std::error_code ec) noexcept
{
    return fail(errno_of(ec));
}

/// Sets errno to `error` and returns a null pointer of type T*.
template <class T>
T* fail_null(int error) noexcept
{
    errno = error;
    return nullptr;
}

} // namespace zmtp::capi
