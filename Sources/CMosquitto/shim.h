#ifndef HERALD_CMOSQUITTO_SHIM_H
#define HERALD_CMOSQUITTO_SHIM_H

/* libmosquitto, the Eclipse Mosquitto MQTT client library (Debian libmosquitto-dev). */
#include <mosquitto.h>

#endif
