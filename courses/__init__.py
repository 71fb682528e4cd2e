"""courses"""
