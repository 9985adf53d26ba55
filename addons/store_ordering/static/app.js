// This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
// The store portal: a single page over the JSON API of routes.py.  Prices,
// promotions and totals always come from the server, which computes them
// with the same functions as the back office; the page only shows them.
(function () {
    'use strict';

    var TEXT = {
        en: {
            title: 'Store Ordering', catalogue: 'Catalogue', cart: 'Cart',
            orders: 'Orders', account: 'Account', email: 'Email',
            password: 'Password', login: 'Log in', logout: 'Log out',
            login_failed: 'Wrong email or password',
            search: 'Search products', all: 'All', add: 'Add',
            added: 'Added to cart', available: 'Available',
            flash: 'Flash sale', left: 'left', limit: 'limit per store',
            empty_cart: 'Your cart is empty', coupon: 'Coupon code',
            apply: 'Apply', subtotal: 'Amount', discount: 'Discount',
            gift: 'Gift', total: 'Total', checkout: 'Place order',
            below_minimum: 'Below the minimum order amount',
            placed: 'Order placed', no_orders: 'No orders yet',
            reorder: 'Order again', shipments: 'Shipments',
            tracking: 'Tracking', back: 'Back', previous: 'Previous',
            next: 'Next', level: 'Level', minimum: 'Minimum order',
            credit_limit: 'Credit limit', credit_used: 'Credit used',
            quantity: 'Qty', price: 'Price', amount: 'Amount',
            reference: 'Your reference', state: 'Status',
            remove: 'Remove', none: 'none'
        },
        zh_CN: {
            title: '门店订货', catalogue: '商品', cart: '购物车',
            orders: '订单', account: '我的', email: '邮箱',
            password: '密码', login: '登录', logout: '退出登录',
            login_failed: '邮箱或密码错误',
            search: '搜索商品', all: '全部', add: '加入',
            added: '已加入购物车', available: '可订',
            flash: '秒杀', left: '剩余', limit: '每店限购',
            empty_cart: '购物车是空的', coupon: '优惠券码',
            apply: '使用', subtotal: '金额', discount: '优惠',
            gift: '赠品', total: '合计', checkout: '提交订单',
            below_minimum: '未达到起订金额',
            placed: '订单已提交', no_orders: '还没有订单',
            reorder: '再来一单', shipments: '发货',
            tracking: '物流单号', back: '返回', previous: '上一页',
            next: '下一页', level: '等级', minimum: '起订金额',
            credit_limit: '信用额度', credit_used: '已用额度',
            quantity: '数量', price: '单价', amount: '金额',
            reference: '门店单号', state: '状态',
            remove: '删除', none: '无'
        }
    };
    var STATES = {
        zh_CN: {draft: '草稿', quotation: '待审核', confirmed: '已审核',
            processing: '处理中', done: '已完成', cancelled: '已取消',
            waiting: '待发货', 'partially shipped': '部分发货',
            sent: '已发货', none: '无', exception: '异常',
            assigned: '已备货', picked: '已拣货', packed: '已打包',
            shipped: '已发运'},
        en: {}
    };

    var base = location.pathname.replace(/\/store\/.*$/, '/store/');
    var state = {
        lang: localStorage.getItem('store.lang') ||
            (navigator.language && navigator.language.indexOf('zh') === 0
                ? 'zh_CN' : 'en'),
        session: localStorage.getItem('store.session'),
        cart: JSON.parse(localStorage.getItem('store.cart') || '[]'),
        coupon: localStorage.getItem('store.coupon') || '',
        query: '', category: null, offset: 0, names: {}
    };
    var view = document.getElementById('view');

    function t(key) { return TEXT[state.lang][key] || key; }
    function stateName(value) {
        return (STATES[state.lang] || {})[value] || value || '';
    }
    function el(tag, attrs, children) {
        var node = document.createElement(tag);
        Object.keys(attrs || {}).forEach(function (name) {
            if (name === 'text') { node.textContent = attrs[name]; }
            else if (name.indexOf('on') === 0) {
                node.addEventListener(name.slice(2), attrs[name]);
            } else { node.setAttribute(name, attrs[name]); }
        });
        (children || []).forEach(function (child) {
            if (child !== null && child !== undefined) {
                node.appendChild(typeof child === 'string'
                    ? document.createTextNode(child) : child);
            }
        });
        return node;
    }
    function money(value) {
        return '¥' + Number(value).toFixed(2);
    }
    function toast(message) {
        var box = document.getElementById('toast');
        box.textContent = message;
        box.hidden = false;
        clearTimeout(toast.timer);
        toast.timer = setTimeout(function () { box.hidden = true; }, 2500);
    }
    function api(method, path, body) {
        var headers = {'Accept': 'application/json'};
        if (state.session) { headers.Authorization = 'Bearer ' + state.session; }
        if (body) { headers['Content-Type'] = 'application/json'; }
        return fetch(base + 'api/' + path, {
            method: method, headers: headers,
            body: body ? JSON.stringify(body) : undefined
        }).then(function (response) {
            if (response.status === 401) {
                logout(true);
                throw new Error(t('login_failed'));
            }
            return response.text().then(function (text) {
                var data = null;
                try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
                if (!response.ok) {
                    throw new Error((data && data.error) || response.statusText);
                }
                return data;
            });
        });
    }
    function saveCart() {
        localStorage.setItem('store.cart', JSON.stringify(state.cart));
        localStorage.setItem('store.coupon', state.coupon);
        var count = state.cart.reduce(function (n, l) { return n + Number(l.quantity); }, 0);
        document.getElementById('cart-count').textContent = count ? '(' + count + ')' : '';
    }
    function addToCart(product, quantity) {
        var line = state.cart.filter(function (l) { return l.product === product.id; })[0];
        if (line) { line.quantity = Number(line.quantity) + quantity; }
        else { state.cart.push({product: product.id, quantity: quantity}); }
        state.names[product.id] = product.name;
        saveCart();
        toast(t('added'));
    }
    function translatePage() {
        document.documentElement.lang = state.lang === 'zh_CN' ? 'zh-CN' : 'en';
        document.querySelectorAll('[data-t]').forEach(function (node) {
            node.textContent = t(node.getAttribute('data-t'));
        });
        document.getElementById('lang').textContent = state.lang === 'zh_CN' ? 'EN' : '中文';
    }
    function setTab(name) {
        document.querySelectorAll('#tabs button').forEach(function (b) {
            b.classList.toggle('on', b.getAttribute('data-tab') === name);
        });
        state.tab = name;
        ({catalogue: showCatalogue, cart: showCart, orders: showOrders,
            account: showAccount})[name]();
    }

    function showLogin(message) {
        document.getElementById('tabs').hidden = true;
        document.getElementById('store-name').textContent = '';
        var email = el('input', {type: 'email', name: 'email', autocomplete: 'username',
            placeholder: t('email'), required: 'required'});
        var password = el('input', {type: 'password', name: 'password',
            autocomplete: 'current-password', placeholder: t('password'),
            required: 'required'});
        var error = el('p', {'class': 'error', text: message || ''});
        var form = el('form', {'class': 'login', onsubmit: function (event) {
            event.preventDefault();
            api('POST', 'login', {email: email.value, password: password.value})
                .then(function (data) {
                    state.session = data.session;
                    localStorage.setItem('store.session', data.session);
                    start();
                }).catch(function () { error.textContent = t('login_failed'); });
        }}, [el('h2', {text: t('title')}), email, password,
            el('button', {type: 'submit', 'class': 'primary', text: t('login')}), error]);
        view.replaceChildren(form);
    }

    function logout(expired) {
        if (!expired && state.session) { api('POST', 'logout').catch(function () {}); }
        state.session = null;
        localStorage.removeItem('store.session');
        showLogin();
    }

    function showCatalogue() {
        var input = el('input', {type: 'search', name: 'q', value: state.query,
            placeholder: t('search')});
        var search = el('form', {'class': 'search', onsubmit: function (event) {
            event.preventDefault();
            state.query = input.value; state.offset = 0; showCatalogue();
        }}, [input, el('button', {type: 'submit', text: '🔍', 'aria-label': t('search')})]);
        var chips = el('div', {'class': 'chips'});
        var grid = el('div', {'class': 'grid'});
        var pager = el('div', {'class': 'pager'});
        view.replaceChildren(search, chips, grid, pager);
        api('GET', 'categories').then(function (categories) {
            [{id: null, name: t('all')}].concat(categories).forEach(function (c) {
                chips.appendChild(el('button', {type: 'button',
                    'class': c.id === state.category ? 'on' : '', text: c.name,
                    onclick: function () { state.category = c.id; state.offset = 0; showCatalogue(); }}));
            });
        });
        var params = 'offset=' + state.offset + '&q=' + encodeURIComponent(state.query) +
            (state.category ? '&category=' + state.category : '');
        api('GET', 'catalogue?' + params).then(function (page) {
            page.products.forEach(function (product) {
                state.names[product.id] = product.name;
                var quantity = el('input', {type: 'number', min: '1', step: '1', value: '1',
                    'aria-label': t('quantity')});
                var flash = product.flash_sale ? el('div', {}, [
                    el('span', {'class': 'badge', text: t('flash')}), ' ',
                    el('span', {'class': 'muted', text: t('left') + ' ' + product.flash_sale.left +
                        (product.flash_sale.per_store_limit ? ' · ' + t('limit') + ' ' +
                            product.flash_sale.per_store_limit : '')})]) : null;
                var showList = Number(product.list_price) > Number(product.price);
                grid.appendChild(el('div', {'class': 'card product', 'data-id': product.id}, [
                    product.image ? el('img', {'class': 'thumb', src: base + product.image,
                        alt: product.name, loading: 'lazy'}) : null,
                    el('div', {'class': 'name', text: product.name}),
                    el('div', {'class': 'muted', text: (product.code || '') + ' · ' +
                        t('available') + ' ' + (product.available === null ? '-' : product.available) +
                        ' ' + (product.unit || '')}),
                    flash,
                    el('div', {'class': 'row'}, [
                        el('span', {}, [el('span', {'class': 'price', text: money(product.price)}),
                            showList ? el('span', {'class': 'strike', text: money(product.list_price)}) : null]),
                        el('span', {'class': 'qty'}, [quantity, el('button', {type: 'button',
                            'class': 'primary add', text: t('add'), onclick: function () {
                                var n = parseInt(quantity.value, 10);
                                if (n > 0) { addToCart(product, n); }
                            }})])])]));
            });
            if (page.offset > 0) {
                pager.appendChild(el('button', {type: 'button', text: t('previous'), onclick: function () {
                    state.offset = Math.max(0, page.offset - page.limit); showCatalogue(); }}));
            }
            if (page.offset + page.limit < page.total) {
                pager.appendChild(el('button', {type: 'button', text: t('next'), onclick: function () {
                    state.offset = page.offset + page.limit; showCatalogue(); }}));
            }
        }).catch(function (error) { toast(error.message); });
    }

    function showCart() {
        if (!state.cart.length) {
            view.replaceChildren(el('p', {'class': 'muted', text: t('empty_cart')}));
            return;
        }
        var coupon = el('input', {name: 'coupon', value: state.coupon, placeholder: t('coupon')});
        var reference = el('input', {name: 'reference', placeholder: t('reference')});
        var box = el('div');
        view.replaceChildren(box);
        api('POST', 'cart', {lines: state.cart, coupon: state.coupon}).then(function (priced) {
            var rows = priced.lines.map(function (line) {
                return el('tr', {}, [
                    el('td', {}, [line.name, line.price_source === 'flash'
                        ? el('span', {'class': 'badge', text: t('flash')}) : null]),
                    el('td', {'class': 'num'}, [el('input', {type: 'number', min: '0', step: '1',
                        value: String(Number(line.quantity)), 'aria-label': t('quantity'),
                        onchange: function (event) {
                            var n = parseInt(event.target.value, 10);
                            state.cart = state.cart.filter(function (l) {
                                if (l.product === line.product) { l.quantity = n; }
                                return l.product !== line.product || n > 0;
                            });
                            saveCart(); showCart();
                        }})]),
                    el('td', {'class': 'num', text: money(line.unit_price)}),
                    el('td', {'class': 'num', text: money(line.amount)})]);
            });
            priced.gifts.forEach(function (gift) {
                rows.push(el('tr', {'class': 'promo gift'}, [
                    el('td', {text: t('gift') + ': ' + gift.name + ' (' + gift.promotion + ')'}),
                    el('td', {'class': 'num', text: String(Number(gift.quantity))}),
                    el('td', {'class': 'num', text: money(0)}), el('td', {'class': 'num', text: money(0)})]));
            });
            priced.discounts.forEach(function (discount) {
                rows.push(el('tr', {'class': 'promo discount'}, [
                    el('td', {colspan: '3', text: t('discount') + ': ' + discount.promotion}),
                    el('td', {'class': 'num', text: '-' + money(discount.amount)})]));
            });
            rows.push(el('tr', {}, [el('td', {colspan: '3', 'class': 'total', text: t('total')}),
                el('td', {'class': 'num total', id: 'cart-total', text: money(priced.total)})]));
            var table = el('table', {}, [el('thead', {}, [el('tr', {}, [
                el('th', {text: t('cart')}), el('th', {'class': 'num', text: t('quantity')}),
                el('th', {'class': 'num', text: t('price')}), el('th', {'class': 'num', text: t('amount')})])]),
                el('tbody', {}, rows)]);
            var warning = priced.below_minimum ? el('p', {'class': 'warn', text:
                t('below_minimum') + ' ' + money(priced.minimum_order_amount)}) : null;
            var checkout = el('button', {type: 'button', 'class': 'primary', id: 'checkout',
                text: t('checkout'), onclick: function () {
                    checkout.disabled = true;
                    api('POST', 'checkout', {lines: state.cart, coupon: state.coupon,
                        reference: reference.value}).then(function (order) {
                        state.cart = []; state.coupon = ''; saveCart();
                        toast(t('placed') + ' ' + (order.number || ''));
                        showOrder(order.id);
                    }).catch(function (error) { checkout.disabled = false; toast(error.message); });
                }});
            if (priced.below_minimum) { checkout.disabled = true; }
            box.replaceChildren(table,
                el('form', {'class': 'search', onsubmit: function (event) {
                    event.preventDefault(); state.coupon = coupon.value; saveCart(); showCart();
                }}, [coupon, el('button', {type: 'submit', text: t('apply')})]),
                reference, warning, el('p', {}, [checkout]));
        }).catch(function (error) {
            toast(error.message);
            // a refused coupon number: show the cart without it
            if (state.coupon) { state.coupon = ''; saveCart(); showCart(); }
        });
    }

    function showOrders() {
        api('GET', 'orders').then(function (orders) {
            if (!orders.length) {
                view.replaceChildren(el('p', {'class': 'muted', text: t('no_orders')}));
                return;
            }
            view.replaceChildren.apply(view, orders.map(function (order) {
                return el('div', {'class': 'order', 'data-id': order.id, onclick: function () {
                    showOrder(order.id); }}, [
                    el('div', {'class': 'row'}, [el('b', {text: order.number || ('#' + order.id)}),
                        el('span', {'class': 'state', text: stateName(order.state)})]),
                    el('div', {'class': 'row muted'}, [el('span', {text: order.date || ''}),
                        el('span', {text: money(order.total_amount)})])]);
            }));
        }).catch(function (error) { toast(error.message); });
    }

    function showOrder(id) {
        api('GET', 'orders/' + id).then(function (order) {
            var rows = order.lines.map(function (line) {
                return el('tr', {'class': line.kind}, [el('td', {text: line.description || ''}),
                    el('td', {'class': 'num', text: String(Number(line.quantity))}),
                    el('td', {'class': 'num', text: money(line.amount)})]);
            });
            var shipments = order.shipments.map(function (s) {
                return el('li', {text: (s.number || '') + ' · ' + stateName(s.state) +
                    (s.tracking ? ' · ' + t('tracking') + ' ' + s.tracking : '')});
            });
            view.replaceChildren(
                el('button', {type: 'button', text: '← ' + t('back'), onclick: showOrders}),
                el('h2', {id: 'order-number', text: order.number || ('#' + order.id)}),
                el('p', {}, [t('state') + ': ', el('b', {id: 'order-state', text: stateName(order.state)}),
                    ' · ' + t('shipments') + ': ' + stateName(order.shipment_state)]),
                el('table', {}, [el('tbody', {}, rows.concat([el('tr', {}, [
                    el('td', {colspan: '2', 'class': 'total', text: t('total')}),
                    el('td', {'class': 'num total', text: money(order.total_amount)})])]))]),
                el('ul', {}, shipments),
                el('button', {type: 'button', 'class': 'primary', text: t('reorder'), onclick: function () {
                    api('POST', 'orders/' + id + '/reorder').then(function (data) {
                        state.cart = data.lines; saveCart(); setTab('cart');
                    }).catch(function (error) { toast(error.message); });
                }}));
        }).catch(function (error) { toast(error.message); });
    }

    function showAccount() {
        api('GET', 'me').then(function (me) {
            view.replaceChildren(el('div', {'class': 'card'}, [
                el('div', {'class': 'name', text: me.store}),
                el('div', {text: t('level') + ': ' + me.level}),
                el('div', {text: t('minimum') + ': ' + (me.minimum_order_amount ? money(me.minimum_order_amount) : t('none'))}),
                el('div', {text: t('credit_limit') + ': ' + (me.credit_limit ? money(me.credit_limit) : t('none'))}),
                el('div', {text: t('credit_used') + ': ' + money(me.credit_used || 0)}),
                el('button', {type: 'button', text: t('logout'), onclick: function () { logout(false); }})]));
        }).catch(function (error) { toast(error.message); });
    }

    function start() {
        translatePage();
        if (!state.session) { showLogin(); return; }
        api('GET', 'me').then(function (me) {
            document.getElementById('store-name').textContent = me.store;
            document.getElementById('tabs').hidden = false;
            saveCart();
            setTab(state.tab || 'catalogue');
        }).catch(function () { showLogin(); });
    }

    document.getElementById('lang').addEventListener('click', function () {
        state.lang = state.lang === 'zh_CN' ? 'en' : 'zh_CN';
        localStorage.setItem('store.lang', state.lang);
        translatePage();
        if (state.session) { setTab(state.tab || 'catalogue'); } else { showLogin(); }
    });
    document.querySelectorAll('#tabs button').forEach(function (button) {
        button.addEventListener('click', function () { setTab(button.getAttribute('data-tab')); });
    });
    start();
}());
