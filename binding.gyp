{
  "targets": [
    {
      "target_name": "hydra_net",
      "sources": ["native/hydra_net.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
