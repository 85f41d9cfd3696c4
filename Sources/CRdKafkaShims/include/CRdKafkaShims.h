#ifndef STREAMSCORE_CRDKAFKA_SHIMS_H
#define STREAMSCORE_CRDKAFKA_SHIMS_H
/* Small C helpers for librdkafka calls that Swift cannot make directly
 * (variadic functions, socket tricks). Every name is prefixed streamscore_rdk_. */
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

/* Produces one message (payload and key are copied) through rd_kafka_producev.
 * On success librdkafka owns `headers`; on failure the caller still owns them.
 * Returns RD_KAFKA_RESP_ERR_NO_ERROR or the error (e.g. RD_KAFKA_RESP_ERR__QUEUE_FULL). */
rd_kafka_resp_err_t streamscore_rdk_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                            const void *key, size_t key_len,
                                            const void *value, size_t value_len,
                                            rd_kafka_headers_t *headers, void *opaque);

/* Sets TCP_NODELAY on every listening IPv4 TCP socket of this process bound to `port`.
 * Linux copies the option to connections accepted later. Returns how many sockets were changed. */
int streamscore_rdk_set_tcp_nodelay_on_listeners(int port);

#endif
