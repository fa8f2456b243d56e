//! Sample payloads of spec §2.2, line by line (data, as the kubelet and upstream tests emit them).

/// Payload A: metrics-server `decode_test.go` case "Normal" (kubelet ~1.22, `[ALPHA]`).
pub(super) const NORMAL: &str = concat!(
    "\n",
    "# HELP container_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the container in core-seconds\n",
    "# TYPE container_cpu_usage_seconds_total counter\n",
    "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 4.710169 1633253812125\n",
    "# HELP container_memory_working_set_bytes [ALPHA] Current working set of the container in bytes\n",
    "# TYPE container_memory_working_set_bytes gauge\n",
    "container_memory_working_set_bytes{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.253376e+07 1633253812125\n",
    "# TYPE container_start_time_seconds gauge\n",
    "container_start_time_seconds{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.633252712e+9 1633253812125\n",
    "# HELP node_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the node in core-seconds\n",
    "# TYPE node_cpu_usage_seconds_total counter\n",
    "node_cpu_usage_seconds_total 357.35491 1633253809720\n",
    "# HELP node_memory_working_set_bytes [ALPHA] Current working set of the node in bytes\n",
    "# TYPE node_memory_working_set_bytes gauge\n",
    "node_memory_working_set_bytes 1.616273408e+09 1633253809720\n",
    "# HELP pod_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the pod in core-seconds\n",
    "# TYPE pod_cpu_usage_seconds_total counter\n",
    "pod_cpu_usage_seconds_total{namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 4.67812 1633253803935\n",
    "# HELP pod_memory_working_set_bytes [ALPHA] Current working set of the pod in bytes\n",
    "# TYPE pod_memory_working_set_bytes gauge\n",
    "pod_memory_working_set_bytes{namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.2627968e+07 1633253803935\n",
    "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n",
    "# TYPE scrape_error gauge\n",
    "scrape_error 0\n",
);

/// Payload B: current kubelet format, from `resource_metrics_test.go` expected outputs.
pub(super) const KUBELET_CURRENT: &str = concat!(
    "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n",
    "# TYPE container_cpu_usage_seconds_total counter\n",
    "container_cpu_usage_seconds_total{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 10 1624396278302\n",
    "container_cpu_usage_seconds_total{container=\"container_a\",namespace=\"namespace_b\",pod=\"pod_b\"} 10 1624396278302\n",
    "container_cpu_usage_seconds_total{container=\"container_b\",namespace=\"namespace_a\",pod=\"pod_a\"} 10 1624396278302\n",
    "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes\n",
    "# TYPE container_memory_working_set_bytes gauge\n",
    "container_memory_working_set_bytes{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 1000 1624396278302\n",
    "container_memory_working_set_bytes{container=\"container_a\",namespace=\"namespace_b\",pod=\"pod_b\"} 1000 1624396278302\n",
    "container_memory_working_set_bytes{container=\"container_b\",namespace=\"namespace_a\",pod=\"pod_a\"} 1000 1624396278302\n",
    "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds\n",
    "# TYPE container_start_time_seconds gauge\n",
    "container_start_time_seconds{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 1.6243962483020916e+09\n",
    "container_start_time_seconds{container=\"container_a\",namespace=\"namespace_b\",pod=\"pod_b\"} 1.6243956783020916e+09\n",
    "container_start_time_seconds{container=\"container_b\",namespace=\"namespace_a\",pod=\"pod_a\"} 1.6243961583020916e+09\n",
    "# HELP container_swap_limit_bytes [ALPHA] Current amount of the container swap limit in bytes. Reported only on non-windows systems\n",
    "# TYPE container_swap_limit_bytes gauge\n",
    "container_swap_limit_bytes{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 10000 1624396278302\n",
    "# HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems\n",
    "# TYPE container_swap_usage_bytes gauge\n",
    "container_swap_usage_bytes{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 1000 1624396278302\n",
    "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n",
    "# TYPE node_cpu_usage_seconds_total counter\n",
    "node_cpu_usage_seconds_total 10 1624396278302\n",
    "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n",
    "# TYPE node_memory_working_set_bytes gauge\n",
    "node_memory_working_set_bytes 1000 1624396278302\n",
    "# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems\n",
    "# TYPE node_swap_usage_bytes gauge\n",
    "node_swap_usage_bytes 500 1624396278302\n",
    "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n",
    "# TYPE resource_scrape_error gauge\n",
    "resource_scrape_error 0\n",
    "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n",
    "# TYPE scrape_error gauge\n",
    "scrape_error 0\n",
);

/// Payload C: `decode_test.go` case "Containing an incorrect timestamp" (old kubelet bug).
pub(super) const INCORRECT_TIMESTAMP: &str = concat!(
    "\n",
    "# HELP container_start_time_seconds [ALPHA] Start time of the container since unix epoch in seconds\n",
    "# TYPE container_start_time_seconds gauge\n",
    "container_start_time_seconds{container=\"metrics-server\",namespace=\"kubernetes-dashboard\",pod=\"kubernetes-dashboard-metrics-server-77db45cdf4-fppzx\"} -6.7953645788713455e+09 -62135596800000\n",
    "container_start_time_seconds{container=\"metrics-server\",namespace=\"kubernetes-dashboard\",pod=\"kubernetes-dashboard-metrics-server-77db45cdf4-tpx4v\"} 1.6509742024191372e+09 1650974202419\n",
);

/// The series lines of payload A, reused by the smaller upstream cases.
pub(super) const COREDNS_CPU: &str = "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 4.710169 1633253812125\n";
pub(super) const COREDNS_CPU_ZERO: &str = "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 0 1633253812125\n";
pub(super) const COREDNS_MEMORY: &str = "container_memory_working_set_bytes{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.253376e+07 1633253812125\n";
pub(super) const COREDNS_MEMORY_ZERO: &str = "container_memory_working_set_bytes{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 0 1633253812125\n";
pub(super) const COREDNS_START: &str = "container_start_time_seconds{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.633252712e+9 1633253812125\n";
pub(super) const NODE_CPU: &str = "node_cpu_usage_seconds_total 357.35491 1633253809720\n";
pub(super) const NODE_CPU_ZERO: &str = "node_cpu_usage_seconds_total 0 1633253809720\n";
pub(super) const NODE_MEMORY: &str = "node_memory_working_set_bytes 1.616273408e+09 1633253809720\n";
pub(super) const NODE_MEMORY_ZERO: &str = "node_memory_working_set_bytes 0 1633253809720\n";
/// Case "Without timestamp uses defaultTime": the same lines without timestamps.
pub(super) const NO_TIMESTAMPS: &str = concat!(
    "\n",
    "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 4.710169\n",
    "container_memory_working_set_bytes{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.253376e+07\n",
    "container_start_time_seconds{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.633252712e+9\n",
    "node_cpu_usage_seconds_total 357.35491\n",
    "node_memory_working_set_bytes 1.616273408e+09\n",
);
