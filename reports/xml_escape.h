// Text that is safe inside an XML 1.0 document, whatever bytes came in.
// Messages and names may come from the firmware under test, so they can hold
// markup characters, control bytes or broken UTF-8; any of those would make
// the JUnit file unreadable for CI and hide the very failure it reports.
#pragma once

#include <string>
#include <string_view>

namespace bmshil::reports {

// Element content: & < > " ' become entities; tab, line feed stay literal;
// carriage return becomes &#13; (a parser would otherwise drop it); bytes XML
// 1.0 forbids (other controls, invalid UTF-8, U+FFFE/U+FFFF) become U+FFFD.
std::string escape_xml_text(std::string_view s);

// Attribute values: as text, and also tab, line feed and carriage return as
// character references, because attribute normalisation turns literal ones
// into spaces (a multi-line failure message would collapse into one line).
std::string escape_xml_attribute(std::string_view s);

}  // namespace bmshil::reports
