// bpfkit/sys: the only module that touches native code — bpf(2), perf_event_open(2), mmap, epoll, errno.

export * from './bpf.js';
export * from './bpf-attr.js';
export * from './bpf-cmd.js';
export * from './epoll.js';
export * from './errno.js';
export * from './fd.js';
export * from './ioctl.js';
export * from './mmap.js';
export * from './mount.js';
export * from './perf-event.js';
