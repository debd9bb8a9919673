s|<description>first</description>|<description>changed</description>|
