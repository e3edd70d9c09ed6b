// Links against an *installed* zmtp and prints its version.
#include <zmtp/version.hpp>

#include <iostream>

int main()
{
    std::cout << zmtp::version_string() << '\n';
    return zmtp::version_string().empty() ? 1 : 0;
}
