// Tunables of the simulated kernel. Defaults follow Linux where it has one,
// scaled where a test would otherwise wait minutes of virtual time for no gain
// (virtual minutes are free, but they make traces long).
#pragma once

#include <cstddef>

namespace lsock::sim {

struct SimConfig {
    // Socket buffers (SO_SNDBUF / SO_RCVBUF). As on Linux, getsockopt reports
    // twice the usable size; these are the usable sizes.
    std::size_t send_buffer = 64 * 1024;
    std::size_t receive_buffer = 64 * 1024;

    // TCP.
    std::size_t mss = 1460;
    double initial_rto = 1.0;  // RFC 6298, Linux TCP_TIMEOUT_INIT
    double min_rto = 0.2;      // Linux TCP_RTO_MIN
    double max_rto = 120.0;    // Linux TCP_RTO_MAX
    int syn_retries = 6;       // connect gives up after 1+2+...+64 = 127 s, as Linux does
    int synack_retries = 5;
    int data_retries = 15;     // Linux tcp_retries2
    double time_wait = 60.0;   // TIME_WAIT holds the address this long (checked lazily)
    int max_backlog = 4096;    // SOMAXCONN

    // UDP: receive queue, counted as payload plus this much per datagram
    // (a kernel charges buffer overhead per packet too).
    std::size_t datagram_overhead = 64;

    // Unix datagram sockets: receive queue length (Linux net.unix.max_dgram_qlen).
    std::size_t unix_datagram_queue = 512;

    // Descriptors per host (RLIMIT_NOFILE).
    int max_descriptors = 65536;

    // Ephemeral ports (Linux ip_local_port_range).
    int ephemeral_low = 32768;
    int ephemeral_high = 60999;
};

}  // namespace lsock::sim
