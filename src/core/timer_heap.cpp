#include "core/timer_heap.hpp"

namespace lsock {

void TimerHeap::place(std::size_t index, const Node& node) {
    nodes_[index] = node;
    position_[node.key] = index;
}

void TimerHeap::sift_up(std::size_t index) {
    Node node = nodes_[index];
    while (index > 0) {
        std::size_t parent = (index - 1) / 2;
        if (!before(node, nodes_[parent])) break;
        place(index, nodes_[parent]);
        index = parent;
    }
    place(index, node);
}

void TimerHeap::sift_down(std::size_t index) {
    Node node = nodes_[index];
    std::size_t count = nodes_.size();
    for (;;) {
        std::size_t child = 2 * index + 1;
        if (child >= count) break;
        if (child + 1 < count && before(nodes_[child + 1], nodes_[child])) ++child;
        if (!before(nodes_[child], node)) break;
        place(index, nodes_[child]);
        index = child;
    }
    place(index, node);
}

void TimerHeap::remove_at(std::size_t index) {
    position_.erase(nodes_[index].key);
    Node last = nodes_.back();
    nodes_.pop_back();
    if (index == nodes_.size()) return;
    place(index, last);
    // The moved node may belong above or below its new place.
    if (index > 0 && before(last, nodes_[(index - 1) / 2])) {
        sift_up(index);
    } else {
        sift_down(index);
    }
}

void TimerHeap::set(Key key, double deadline) {
    cancel(key);
    nodes_.push_back(Node{deadline, next_sequence_++, key});
    sift_up(nodes_.size() - 1);
}

void TimerHeap::cancel(Key key) {
    auto found = position_.find(key);
    if (found != position_.end()) remove_at(found->second);
}

bool TimerHeap::pop_due(double now, Key* key) {
    if (nodes_.empty() || nodes_.front().deadline > now) return false;
    *key = nodes_.front().key;
    remove_at(0);
    return true;
}

}  // namespace lsock
