module nfsprov.dev/testenv/pause

go 1.24
