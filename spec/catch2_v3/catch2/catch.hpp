// Catch2 v3 has no single header. The tests include v2's <catch2/catch.hpp>;
// in a build against v3 (spec/CMakeLists.txt) they find this file instead,
// which includes v3's headers and brings back v2's global Approx.
#pragma once
#include <catch2/catch_all.hpp>

using Catch::Approx;
