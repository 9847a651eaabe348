#include <doctest/doctest.h>

#include <string>

#include "base/utf8.h"

using wsl::valid_utf8;

TEST_CASE("valid_utf8 accepts UTF-8 and refuses everything else") {
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("/var/lib/wsl/users/1000"));
    CHECK(valid_utf8("/home/åsa/distros/日本/🐧"));
    CHECK(valid_utf8("\xF4\x8F\xBF\xBF")); // U+10FFFF
    CHECK(!valid_utf8("odd\xff"));
    CHECK(!valid_utf8("\xC3"));             // truncated
    CHECK(!valid_utf8("\xC0\xAF"));         // overlong '/'
    CHECK(!valid_utf8("\xE0\x80\xAF"));     // overlong '/'
    CHECK(!valid_utf8("\xED\xA0\x80"));     // a surrogate
    CHECK(!valid_utf8("\xF4\x90\x80\x80")); // past U+10FFFF
    CHECK(!valid_utf8("\x80"));             // a lone continuation byte
    CHECK(!valid_utf8(std::string("a\0\xfe", 3)));
}
