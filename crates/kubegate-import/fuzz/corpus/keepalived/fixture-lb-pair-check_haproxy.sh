#!/bin/bash
# 如果 haproxy 不在运行, 重启它; 仍失败则停掉 keepalived (restart haproxy, else give the VIP up)
n=`ps -C haproxy --no-header | wc -l`
if [ $n -eq 0 ]; then
    systemctl restart haproxy
    sleep 3
    if [ `ps -C haproxy --no-header | wc -l` -eq 0 ]; then
        systemctl stop keepalived
    fi
fi
