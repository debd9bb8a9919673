s|<name>\([cs]\)1</name>|<name>\19</name>|
