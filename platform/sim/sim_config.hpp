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
    double fin_timeout = 60.0; // an orphan in FIN_WAIT2 waits this long for the peer's FIN (tcp_fin_timeout)
    // SO_KEEPALIVE: the first probe after this much silence, then one every
    // interval; after `probes` unanswered ones the connection ends with
    // ETIMEDOUT (Linux tcp_keepalive_time / _intvl / _probes).
    double keepalive_time = 7200.0;
    double keepalive_interval = 75.0;
    int keepalive_probes = 9;
    int max_backlog = 4096;    // SOMAXCONN
    // Delayed ACK (Linux TCP_DELACK_MIN): once a connection is interactive
    // (it sent data soon after data came), the ACK of an arriving segment
    // waits this long for a reply to carry it (tcp_output.cpp).
    double delayed_ack = 0.04;

    // Routing. An address on one of the world's networks (the /16 around a
    // host's IPv4 address, the /64 around its IPv6 one) that no host owns
    // answers, after Linux's ARP (neighbour discovery) timeout of 3 probes a
    // second apart, with ICMP host unreachable; an address outside them all
    // has no route (ENETUNREACH at once).
    double neighbour_timeout = 3.0;
    int network_prefix_v4 = 16;
    int network_prefix_v6 = 64;

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
