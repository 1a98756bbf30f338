package dev.slipway.examples.orders;

/** Main class of release 3.0.0 ({@code orders-3.0.0.jar}): a faulty build of 2.0.0. */
public final class OrdersV3 {

    private OrdersV3() {
    }

    public static void main(String[] args) {
        OrdersMain.run(OrdersVersion.V3);
    }
}
