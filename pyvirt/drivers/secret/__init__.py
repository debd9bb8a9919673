"""The secret driver of a host root: definitions and values on disk, values encrypted.

==================  ==========================================================
driver.py           the driver table (the test driver's secret logic, persisted)
store.py            files under ``<config_dir>/secrets``; AES-GCM of values
==================  ==========================================================
"""
