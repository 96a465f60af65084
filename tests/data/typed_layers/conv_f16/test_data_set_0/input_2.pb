
BbJ¯g,G>m¼;¾