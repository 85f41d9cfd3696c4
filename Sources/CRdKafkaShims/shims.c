#include "CRdKafkaShims.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

rd_kafka_resp_err_t streamscore_rdk_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                            const void *key, size_t key_len,
                                            const void *value, size_t value_len,
                                            rd_kafka_headers_t *headers, void *opaque) {
    if (headers) {
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

int streamscore_rdk_set_tcp_nodelay_on_listeners(int port) {
    struct rlimit lim;
    int max_fd = 4096;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536) max_fd = (int)lim.rlim_cur;
    int changed = 0;
    for (int fd = 0; fd < max_fd; fd++) {
        struct sockaddr_in sa;
        socklen_t len = sizeof(sa);
        if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) continue;
        if (sa.sin_family != AF_INET || ntohs(sa.sin_port) != port) continue;
        int type = 0, listening = 0;
        socklen_t tlen = sizeof(type), llen = sizeof(listening);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM) continue;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) != 0 || !listening) continue;
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0) changed++;
    }
    return changed;
}
