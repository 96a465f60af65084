
BbJ	7Â¼h¹a5