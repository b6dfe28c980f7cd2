module phonebatch.io/tools/etcd

// Wrapper module: builds an etcd server binary from go.etcd.io/etcd/server/v3 through the
// Go module proxy (Debian's etcd-server is 3.4, older than kube-apiserver 1.34 expects).

go 1.24

require go.etcd.io/etcd/server/v3 v3.6.5
