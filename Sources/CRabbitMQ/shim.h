#ifndef TABLEORDER_CRABBITMQ_SHIM_H
#define TABLEORDER_CRABBITMQ_SHIM_H
#if __has_include(<rabbitmq-c/amqp.h>)   /* rabbitmq-c >= 0.12 layout */
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/framing.h>
#else                                    /* 0.11, Debian 12 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>
#endif

/* amqp_login is variadic, which Swift cannot call: this fixes the SASL PLAIN arguments. */
static inline amqp_rpc_reply_t tableorder_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                            int heartbeat, const char *user,
                                                            const char *password) {
    return amqp_login(state, vhost, 0, AMQP_DEFAULT_FRAME_SIZE, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}
#endif
