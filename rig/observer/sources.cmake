# The rig's observer: the register map loader and the Modbus RTU master
# (libmodbus) on the board's port. Included into the bmshil_rig library:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/observer/sources.cmake)
#   target_sources(bmshil_rig PRIVATE ${BMSHIL_OBSERVER_SOURCES})
#   target_link_libraries(bmshil_rig PUBLIC ${BMSHIL_OBSERVER_LIBRARIES})
# Users include "observer/modbus_observer.h" through bmshil_rig's rig/ include
# directory.
find_package(PkgConfig REQUIRED)
# GLOBAL: bmshil_rig carries the target to consumers in other directories.
pkg_check_modules(LIBMODBUS REQUIRED IMPORTED_TARGET GLOBAL libmodbus)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)  # each transaction runs libmodbus on a worker thread

set(BMSHIL_OBSERVER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/register_map.cpp
  ${CMAKE_CURRENT_LIST_DIR}/modbus_observer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/port_access.cpp
)
set(BMSHIL_OBSERVER_LIBRARIES PkgConfig::LIBMODBUS nlohmann_json::nlohmann_json Threads::Threads)
