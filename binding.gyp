{
  "targets": [
    {
      "target_name": "original_dst",
      "sources": ["native/original_dst.c"],
      "conditions": [["OS!='linux'", {"sources!": ["native/original_dst.c"]}]]
    }
  ]
}
